import type { TokenInfo } from '../../protocol/requests.js';
import { renderTable } from './tables.js';

/** `baton token list`: times in UTC to the second; a token without an end expires `never`. Pure. */
export function tokenTable(tokens: readonly TokenInfo[]): string {
  const time = (iso: string): string => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const rows = tokens.map((t) => [t.id, t.description === '' ? '<none>' : t.description, time(t.created), t.expires === null ? 'never' : time(t.expires)]);
  return renderTable(['ID', 'DESCRIPTION', 'CREATED', 'EXPIRES'], rows);
}
