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

/** Keys longer than this are cut in a path: a hostile key must not make a log line huge. */
const SHOWN_KEY_CHARS = 64;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    const text = String(key).length > SHOWN_KEY_CHARS ? `${String(key).slice(0, SHOWN_KEY_CHARS)}...` : String(key);
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? text : `.${text}`;
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

/** Longest problem line: messages quote names the user wrote, and a hostile one may be megabytes. */
const MAX_PROBLEM_CHARS = 1000;

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return formatAll(issues).map(limitProblem);
}

/** Cuts a problem line to MAX_PROBLEM_CHARS. */
export function limitProblem(problem: string): string {
  return problem.length > MAX_PROBLEM_CHARS ? `${problem.slice(0, MAX_PROBLEM_CHARS - 3)}...` : problem;
}

function formatAll(issues: readonly z.core.$ZodIssue[]): string[] {
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
