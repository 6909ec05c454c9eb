import { measureDiskWrites } from './disk-writes.js';

/**
 * `npm run bench [-- --quick]`: Baton's numbers on this machine, printed as a table.
 * `--quick` measures over a short window (a smoke run); the default window is a minute.
 */

const USAGE = 'usage: npm run bench [-- --quick] [-- --window SECONDS]';

function windowMs(argv: readonly string[]): number {
  let seconds = 60;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') seconds = 10;
    else if (arg === '--window' && /^\d+$/.test(argv[i + 1] ?? '')) seconds = Number(argv[++i]);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  if (seconds < 1) throw new Error(`the window must be at least 1 s\n${USAGE}`);
  return seconds * 1000;
}

function bytes(n: number): string {
  if (Math.abs(n) < 1024) return `${Math.round(n)} B`;
  if (Math.abs(n) < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: readonly string[]): string => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const window = windowMs(process.argv.slice(2));
  const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const result = await measureDiskWrites(window, say);
  const perHour = (n: number): string => `${bytes((n * 3_600_000) / result.windowMs)}/h`;
  const seconds = `${(result.windowMs / 1000).toFixed(1)} s`;
  process.stdout.write(`\nagent at steady state: ${result.pods} pods (${result.runningAtEnd} Running at the end), window ${seconds}\n\n`);
  process.stdout.write(
    `${table([
      ['what the agent wrote', `in ${seconds}`, 'per hour', 'target'],
      ['disk (write_bytes, agent and children)', bytes(result.io.writeBytes), perHour(result.io.writeBytes), '0'],
      ['disk, cancelled before reaching it', bytes(result.io.cancelledWriteBytes), perHour(result.io.cancelledWriteBytes), ''],
      ['log lines (stdout/stderr: journald would keep them)', bytes(result.logBytes), perHour(result.logBytes), '0'],
      ['all write() calls (MQTT, Docker API, log, files)', bytes(result.io.wchar), perHour(result.io.wchar), ''],
    ])}\n`,
  );
  if (result.logSample.length > 0) process.stdout.write(`\nlogged in the window (first lines):\n${result.logSample.map((l) => `  ${l}`).join('\n')}\n`);
  const isSteady = result.runningAtEnd === result.pods;
  const verdict = (bytesInWindow: number): string => (!isSteady ? 'not steady (pods stopped running)' : bytesInWindow === 0 ? 'none (target met)' : `${perHour(bytesInWindow)} (TARGET MISSED)`);
  process.stdout.write(`\ndisk writes at steady state: ${verdict(result.io.writeBytes)}\nlog at steady state: ${verdict(result.logBytes)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
