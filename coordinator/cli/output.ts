import { stringify } from 'yaml';

/**
 * `-o json` and `-o yaml`: one object when a name was given, else a Kubernetes-style
 * `List` of them, so scripts written for kubectl's output read Baton's too.
 */
export function formatObjects(items: readonly object[], format: 'json' | 'yaml', single: boolean): string {
  const value = single && items[0] !== undefined ? items[0] : { apiVersion: 'v1', kind: 'List', items };
  return format === 'json' ? JSON.stringify(value, null, 4) : stringify(value).trimEnd();
}
