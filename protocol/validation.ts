import type { z } from 'zod';

/**
 * Turns schema issues into Kubernetes-style messages that name the field's path:
 * `spec.containers[0].image: required`. Outside data (manifests, MQTT payloads, config)
 * becomes typed only through `validate`.
 */

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: formatIssues(result.error.issues) };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * A short rendering of a wrong value for a problem message. Fields named `value` (env
 * values, HTTP header values) may hold secrets: they are never echoed, here or inside
 * an object shown. Never throws (a value too deep to stringify is named by its type).
 */
function describeValue(input: unknown, secret = false): string {
  if (secret) return typeName(input);
  let text: string | undefined;
  try {
    text = JSON.stringify(input, (key, value: unknown) => (key === 'value' && (typeof value !== 'object' || value === null) ? '(hidden)' : value));
  } catch {
    return typeName(input);
  }
  return text === undefined ? String(input) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeName(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}

/** Whether the field at `path` may hold a secret (see describeValue). */
function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.at(-1) === 'value';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const secret = isSecretPath(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) return 'required';
      return `must be ${issue.expected === 'int' ? 'an integer' : issue.expected === 'array' || issue.expected === 'object' ? `an ${issue.expected}` : `a ${issue.expected}`}, not ${describeValue(issue.input, secret)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `unsupported value ${describeValue(issue.input, secret)}: must be ${describeValue(issue.values[0])}`
        : `unsupported value ${describeValue(issue.input, secret)}: must be one of ${issue.values.map((v) => describeValue(v)).join(', ')}`;
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'custom':
      return issue.message;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((i) => i.message).join('; ')}`;
    case 'invalid_union':
      return issue.message;
    default:
      return issue.message;
  }
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push(`${formatPath([...issue.path, key])}: unknown field (not supported by Baton)`);
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      const key = issue.path.at(-1);
      problems.push(`${formatPath(issue.path)}: invalid key ${describeValue(key)}: ${issue.issues.map((i) => i.message).join('; ')}`);
      continue;
    }
    const where = formatPath(issue.path);
    problems.push(where === '' ? describeIssue(issue) : `${where}: ${describeIssue(issue)}`);
  }
  return problems;
}
