import * as z from 'zod';

/**
 * Kubernetes name and label rules. Names end up in MQTT topics and Docker container
 * names, so these rules also keep `/`, `+`, `#` and spaces out of both.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** An object or node name: lowercase letters, digits, `-` and `.`, at most 253 characters. */
export const subdomainName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(DNS1123_SUBDOMAIN, "must consist of lowercase letters, digits, '-' and '.', and start and end with a letter or digit");

/** A container name: lowercase letters, digits and `-`, at most 63 characters. */
export const labelName = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(DNS1123_LABEL, "must consist of lowercase letters, digits and '-', and start and end with a letter or digit");

export const portName = z
  .string()
  .max(15, 'must be at most 15 characters')
  .regex(PORT_NAME, "must consist of lowercase letters, digits and '-'");

export const envName = z.string().regex(ENV_NAME, "must consist of letters, digits, '_', '-' and '.', and not start with a digit");

/** True if `key` is a valid label key: an optional DNS subdomain prefix and `/`, then a name. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** True if `value` is a valid label value: empty, or a name of at most 63 characters. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME.test(value));
}

export const labelKey = z.string().refine(isLabelKey, "must be a label key: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'");
export const labelValue = z.string().refine(isLabelValue, "must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");

export const labels = z.record(labelKey, labelValue);
