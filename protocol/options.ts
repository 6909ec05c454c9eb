import { parseArgs } from 'node:util';

/**
 * Command-line options shared by the three programs. Every flag has an environment
 * variable (`--broker` and `BATON_BROKER`); a flag given on the command line wins.
 */

export interface OptionSpec {
  /** The long flag without dashes: `broker`. */
  name: string;
  /** The environment variable: `BATON_BROKER`. */
  env?: string;
  kind: 'string' | 'boolean' | 'list';
  /** Shown in --help: `URL`. */
  placeholder?: string;
  short?: string;
  description: string;
  default?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Wrong flags or arguments: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  specs: readonly OptionSpec[],
): { values: OptionValues; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const spec of specs) {
    options[spec.name] = {
      type: spec.kind === 'boolean' ? 'boolean' : 'string',
      ...(spec.kind === 'list' ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const values: OptionValues = {};
  for (const spec of specs) {
    const given = parsed.values[spec.name];
    const fromEnv = spec.env !== undefined ? env[spec.env] : undefined;
    if (given !== undefined) {
      values[spec.name] = given as string | boolean | string[];
    } else if (fromEnv !== undefined && fromEnv !== '') {
      values[spec.name] =
        spec.kind === 'boolean' ? ['1', 'true', 'yes'].includes(fromEnv.toLowerCase())
        : spec.kind === 'list' ? fromEnv.split(',').map((s) => s.trim()).filter((s) => s !== '')
        : fromEnv;
    } else if (spec.default !== undefined) {
      values[spec.name] = spec.kind === 'list' ? [spec.default] : spec.default;
    }
  }
  return { values, positionals: parsed.positionals };
}

export function optionsHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((spec) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${spec.name}${spec.placeholder ? ` ${spec.placeholder}` : ''}`;
    const extra = [spec.env ? `env ${spec.env}` : '', spec.default !== undefined ? `default ${spec.default}` : '']
      .filter((s) => s !== '')
      .join(', ');
    return [flag, `${spec.description}${extra ? ` (${extra})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join('\n');
}

/** Reads one string option that has a default, for typed access after parseOptions. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
}

export function booleanOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** Parses `k=v` pairs (repeatable `--label`), naming the bad one. */
export function parseKeyValues(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} ${JSON.stringify(pair)}: expected KEY=VALUE`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration flag value into milliseconds: Go-style `90s`, `5m`, `1m30s`, `500ms`,
 * or a bare number of seconds (`10`). Throws UsageError naming the flag; zero and
 * negative durations are refused unless `allowZero`.
 */
export function parseDuration(value: string | undefined, flag: string, allowZero = false): number {
  const text = (value ?? '').trim();
  const invalid = (): UsageError =>
    new UsageError(`--${flag} ${JSON.stringify(value ?? '')}: must be a duration such as 500ms, 10s, 5m or 1m30s (a bare number is seconds)${allowZero ? '' : ', greater than 0'}`);
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    ms = Math.round(Number(text) * 1000);
  } else {
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (text === '' || parts.map((p) => p[0]).join('') !== text) throw invalid();
    ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (DURATION_UNITS[p[2] ?? ''] ?? NaN), 0));
  }
  if (!Number.isFinite(ms) || ms < 0 || (ms === 0 && !allowZero)) throw invalid();
  return ms;
}
