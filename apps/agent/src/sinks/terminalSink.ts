import type { Writable } from 'node:stream';
import type { ConnectionRow } from '../connections/connectionRow.js';
import type { IntervalSummary, RowSink } from './rowSink.js';

const COLUMNS = [
  { title: 'LOCAL', width: 28 },
  { title: 'REMOTE', width: 28 },
  { title: 'PROCESS', width: 22 },
  { title: 'ROLE', width: 7 },
  { title: 'TX/s', width: 9 },
  { title: 'RX/s', width: 9 },
  { title: 'RTT', width: 8 },
  { title: 'RETRANS', width: 7 },
  { title: 'REQ/s', width: 7 },
  { title: 'ERR', width: 5 },
] as const;

/** Requests per second and server errors (5xx, unanswered) of a row; '-' when it had none. */
function requestCells(row: ConnectionRow, perSecond: number): [string, string] {
  if (!row.requests) return ['-', '-'];
  const requests = row.requests.reduce((sum, g) => sum + g.requests, 0);
  const errors = row.requests.reduce((sum, g) => sum + g.errors, 0);
  const rate = requests * perSecond;
  return [rate >= 100 ? String(Math.round(rate)) : String(Number(rate.toFixed(1))), String(errors)];
}

export function formatRate(bytesPerSecond: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

export function formatRtt(srttUs: number): string {
  if (srttUs === 0) return '-';
  return srttUs >= 10_000 ? `${(srttUs / 1000).toFixed(0)}ms` : `${(srttUs / 1000).toFixed(2)}ms`;
}

function endpoint(addr: string, port: number, family: 4 | 6): string {
  return family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** Renders one interval as a table, busiest connection first (`top`-like). */
export function renderTable(rows: readonly ConnectionRow[], summary: IntervalSummary, intervalMs: number, maxRows: number): string {
  const perSecond = 1000 / intervalMs;
  const sorted = [...rows].sort(
    (a, b) => b.bytes_sent + b.bytes_received - (a.bytes_sent + a.bytes_received),
  );
  const totalTx = rows.reduce((sum, r) => sum + r.bytes_sent, 0) * perSecond;
  const totalRx = rows.reduce((sum, r) => sum + r.bytes_received, 0) * perSecond;
  const lines = [
    `weft agent  ${new Date(summary.ts).toISOString()}  path: ${summary.trafficPath}  ` +
      `sockets: ${summary.socketsTracked}  active: ${rows.length}  tx: ${formatRate(totalTx)}/s  rx: ${formatRate(totalRx)}/s`,
    '',
    COLUMNS.map((c) => cell(c.title, c.width)).join(' '),
  ];
  for (const row of sorted.slice(0, maxRows)) {
    const remote = row.nat_daddr !== undefined
      ? `${endpoint(row.nat_daddr, row.nat_dport ?? row.dport, row.family)}*`
      : endpoint(row.daddr, row.dport, row.family);
    const values = [
      endpoint(row.saddr, row.sport, row.family),
      remote,
      `${row.comm}/${row.pid}`,
      row.connect_failed ? 'failed' : row.role,
      formatRate(row.bytes_sent * perSecond),
      formatRate(row.bytes_received * perSecond),
      formatRtt(row.srtt_us),
      String(row.retransmits),
      ...requestCells(row, perSecond),
    ];
    lines.push(values.map((v, i) => cell(v, COLUMNS[i]?.width ?? 8)).join(' '));
  }
  if (sorted.length > maxRows) lines.push(`… ${sorted.length - maxRows} more`);
  lines.push('', '* remote shown after NAT (conntrack)   Ctrl-C to stop');
  return lines.join('\n');
}

/** The live view: redraws the screen each interval on a TTY, appends otherwise. */
export class TerminalSink implements RowSink {
  readonly dropped = 0;

  constructor(
    private readonly out: Writable & { isTTY?: boolean; rows?: number },
    private readonly intervalMs: number,
  ) {}

  write(rows: readonly ConnectionRow[], summary: IntervalSummary): void {
    const maxRows = Math.max(5, (this.out.rows ?? 40) - 7);
    const table = renderTable(rows, summary, this.intervalMs, maxRows);
    this.out.write(this.out.isTTY ? `\x1b[H\x1b[2J${table}\n` : `${table}\n\n`);
  }

  async close(): Promise<void> {}
}
