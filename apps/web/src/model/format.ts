/** Numbers as people read them on the map, the list and the drawer. */

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(perSecond >= 10_000 ? 0 : 1)}k`;
  if (perSecond >= 10) return perSecond.toFixed(0);
  if (perSecond >= 0.1) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

export function formatShare(share: number | null): string {
  if (share === null) return '–';
  if (share === 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

export function formatMicros(us: number | null): string {
  if (us === null) return '–';
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(2)} s`;
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100_000 ? 0 : 1)} ms`;
  return `${Math.round(us)} µs`;
}

/** Milliseconds (the API's request latency) as formatMicros writes durations. */
export function formatMillis(ms: number | null): string {
  return formatMicros(ms === null ? null : ms * 1000);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
