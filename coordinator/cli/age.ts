/**
 * Ages as kubectl prints them: precise while small, coarser as they grow
 * (`45s`, `3m20s`, `25m`, `5h10m`, `2d3h`, `30d`, `2y10d`). Pure: `now` is passed in.
 */
export function formatAge(since: string | undefined, now: number): string {
  if (since === undefined) return '<unknown>';
  const start = Date.parse(since);
  if (Number.isNaN(start)) return '<unknown>';
  return formatDuration(now - start);
}

export function formatDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // Clocks on a fleet of Pis drift; a start slightly in the future still reads 0s.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRest(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`;
}
