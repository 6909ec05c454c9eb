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

function describeValue(input: unknown): string {
  const text = JSON.stringify(input);
  return text === undefined ? String(input) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) return 'required';
      return `must be ${issue.expected === 'int' ? 'an integer' : issue.expected === 'array' || issue.expected === 'object' ? `an ${issue.expected}` : `a ${issue.expected}`}, not ${describeValue(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `unsupported value ${describeValue(issue.input)}: must be ${describeValue(issue.values[0])}`
        : `unsupported value ${describeValue(issue.input)}: must be one of ${issue.values.map(describeValue).join(', ')}`;
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
