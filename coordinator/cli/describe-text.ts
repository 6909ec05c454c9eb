import type { EventItem } from '../../protocol/requests.js';
import { compareEventItems } from '../event-items.js';
import { formatAge } from './age.js';
import { alignTabs } from './tab-columns.js';

/**
 * The pieces every `baton describe` output is made of, as kubectl writes them: lines of
 * `Key:\tvalue` indented two spaces per level, aligned by `alignTabs`. Pure.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const two = (n: number): string => String(n).padStart(2, '0');

/** RFC 1123 with a numeric zone, as kubectl prints times, in UTC: `Mon, 24 Nov 2026 10:00:00 +0000`. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '<unset>';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** Text from a node or a manifest, made safe for one cell: no tabs, line breaks or control characters. */
export function cell(text: string | number | boolean | undefined): string {
  if (text === undefined) return '';
  return String(text).replace(/[\u0000-\u001f\u007f]/g, ' ');
}

export function indent(level: number): string {
  return '  '.repeat(level);
}

/** `Labels:  a=1` then one `k=v` per line below it, sorted; `<none>` when empty. */
export function mapLines(title: string, map: Record<string, string> | undefined, separator = '=', level = 0): string[] {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const head = `${indent(level)}${title}:\t`;
  if (entries.length === 0) return [`${head}<none>`];
  return entries.map(([k, v], i) => `${i === 0 ? head : `${indent(level)}\t`}${cell(k)}${separator}${cell(v)}`);
}

/** `True` / `False`, as kubectl prints booleans. */
export function printBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** kubectl's event age: `45s`, or `10s (x5 over 2m)` for an event seen more than once. */
export function eventAge(event: EventItem, now: number): string {
  if (event.count > 1) return `${formatAge(event.lastTimestamp, now)} (x${event.count} over ${formatAge(event.firstTimestamp, now)})`;
  return formatAge(event.firstTimestamp, now);
}

/** The Events section: oldest first; `Events:  <none>` when there are none. */
export function eventLines(events: readonly EventItem[], now: number): string[] {
  if (events.length === 0) return ['Events:\t<none>'];
  return [
    'Events:',
    '  Type\tReason\tAge\tFrom\tMessage',
    '  ----\t------\t----\t----\t-------',
    ...[...events]
      .sort(compareEventItems)
      .map((e) => `  ${cell(e.type)}\t${cell(e.reason)}\t${eventAge(e, now)}\t${cell(e.source.component)}\t${cell(e.message.trim())}`),
  ];
}

/** The lines of a description, aligned, as one text. */
export function renderDescription(lines: readonly string[]): string {
  return alignTabs(lines).join('\n');
}
