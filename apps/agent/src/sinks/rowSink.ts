import type { ConnectionRow } from '../connections/connectionRow.js';

/** A socket listening on this node, as its LISTEN event showed it. */
export interface ListenerRow {
  netns: number;
  addr: string;
  port: number;
  pid: number;
  comm: string;
}

export interface IntervalSummary {
  ts: number;
  trafficPath: string;
  socketsTracked: number;
  /** Every listener seen since start (bounded), so a consumer can name servers by port. */
  listeners: readonly ListenerRow[];
}

/** Where each interval's rows go (terminal view, JSON lines, later a transport). */
export interface RowSink {
  write(rows: readonly ConnectionRow[], summary: IntervalSummary): void;
  /** Rows dropped because the consumer could not keep up. */
  readonly dropped: number;
  close(): Promise<void>;
}
