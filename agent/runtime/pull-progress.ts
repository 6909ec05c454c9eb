import type { PullProgress } from './runtime.js';

/**
 * Docker's pull progress, folded into one PullProgress. The engine streams a JSON
 * message per layer step (`Pulling fs layer`, `Downloading` with byte counts, `Download
 * complete`, `Extracting`, `Pull complete`, or `Already exists` for a layer it has);
 * messages without a layer status (`Pulling from ...`, `Digest: ...`) are not layers.
 */

export interface LayerProgress {
  readonly isDone: boolean;
  readonly current: number;
  /** 0 while the layer's size is unknown. */
  readonly total: number;
}

export type PullLayers = Readonly<Record<string, LayerProgress>>;

/** Statuses of a layer whose bytes are all on the engine. */
const DONE = new Set(['Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete', 'Already exists']);
/** Statuses of a layer still to download. */
const PENDING = new Set(['Pulling fs layer', 'Waiting', 'Downloading']);

/** Returns `layers` with one engine message applied; a message about no layer leaves them as they are. */
export function foldPullMessage(layers: PullLayers, message: unknown): PullLayers {
  if (typeof message !== 'object' || message === null) return layers;
  const { status, id, progressDetail } = message as { status?: unknown; id?: unknown; progressDetail?: unknown };
  if (typeof status !== 'string' || typeof id !== 'string' || id === '') return layers;
  const isDone = DONE.has(status);
  if (!isDone && !PENDING.has(status) && !status.startsWith('Retrying')) return layers;
  const before = layers[id] ?? { isDone: false, current: 0, total: 0 };
  if (isDone) {
    return { ...layers, [id]: { isDone: true, current: before.total, total: before.total } };
  }
  if (before.isDone) return layers; // a late message never undoes a finished layer
  const detail = (typeof progressDetail === 'object' && progressDetail !== null ? progressDetail : {}) as { current?: unknown; total?: unknown };
  const current = status === 'Downloading' && typeof detail.current === 'number' ? detail.current : before.current;
  const total = status === 'Downloading' && typeof detail.total === 'number' && detail.total > 0 ? detail.total : before.total;
  return { ...layers, [id]: { isDone: false, current, total } };
}

export function summarizePull(layers: PullLayers): PullProgress {
  const all = Object.values(layers);
  const sized = all.filter((l) => l.total > 0);
  return {
    layers: all.length,
    layersDone: all.filter((l) => l.isDone).length,
    downloadedBytes: sized.reduce((sum, l) => sum + Math.min(l.current, l.total), 0),
    totalBytes: sized.reduce((sum, l) => sum + l.total, 0),
  };
}

/** Progress is reported at most this often while a pull runs, then once more at its end. */
export const PULL_PROGRESS_INTERVAL_MS = 250;

/** True if a progress report made at `lastMs` (undefined: none yet) may be followed by one at `nowMs`. */
export function isReportDue(lastMs: number | undefined, nowMs: number): boolean {
  return lastMs === undefined || nowMs - lastMs >= PULL_PROGRESS_INTERVAL_MS;
}
