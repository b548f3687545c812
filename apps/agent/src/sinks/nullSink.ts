import type { RowSink } from './rowSink.js';

/** --quiet: rows are only counted (metrics endpoint). */
export class NullSink implements RowSink {
  readonly dropped = 0;
  write(): void {}
  async close(): Promise<void> {}
}
