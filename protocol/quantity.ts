/**
 * Kubernetes resource quantities: CPU as cores or millicores (`2`, `0.5`, `500m`),
 * memory as bytes with decimal or binary suffixes (`128Mi`, `1G`, `1e9`).
 */

const MEMORY_SUFFIXES: Record<string, number> = {
  '': 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+))?$/;

/** Parses a quantity into its plain number (cores, bytes); undefined if it is not one. */
function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, digits, suffix, exponent] = match;
  const base = Number(digits);
  if (exponent !== undefined) return base * 10 ** Number(exponent);
  if (suffix === 'm') return base / 1000;
  return base * (MEMORY_SUFFIXES[suffix ?? ''] ?? 1);
}

/** CPU in millicores, rounded up as Kubernetes does; undefined if not a quantity. */
export function parseCpuMillis(value: string | number): number | undefined {
  const cores = parseQuantity(value);
  return cores === undefined ? undefined : Math.ceil(Math.round(cores * 1e6) / 1e3);
}

/** Memory in bytes, rounded up; undefined if not a quantity. */
export function parseMemoryBytes(value: string | number): number | undefined {
  const bytes = parseQuantity(value);
  return bytes === undefined ? undefined : Math.ceil(bytes);
}

/** Millicores as a Kubernetes CPU quantity: `2` for whole cores, `500m` otherwise. */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Bytes as a Kubernetes memory quantity in the largest binary unit that is exact. */
export function formatMemory(bytes: number): string {
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const size = MEMORY_SUFFIXES[unit] ?? 1;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** Bytes for people: `1.5Gi`, `300Mi`. Not exact; for tables only. */
export function humanMemory(bytes: number): string {
  for (const unit of ['Gi', 'Mi', 'Ki'] as const) {
    const size = MEMORY_SUFFIXES[unit] ?? 1;
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))}${unit}`;
  }
  return `${bytes}`;
}
