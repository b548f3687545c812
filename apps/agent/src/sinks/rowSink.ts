import type { ConnectionRow } from '../connections/connectionRow.js';

export interface IntervalSummary {
  ts: number;
  trafficPath: string;
  socketsTracked: number;
}

/** Where each interval's rows go (terminal view, JSON lines, later a transport). */
export interface RowSink {
  write(rows: readonly ConnectionRow[], summary: IntervalSummary): void;
  /** Rows dropped because the consumer could not keep up. */
  readonly dropped: number;
  close(): Promise<void>;
}
