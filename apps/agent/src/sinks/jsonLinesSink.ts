import type { Writable } from 'node:stream';
import type { ConnectionRow } from '../connections/connectionRow.js';
import type { IntervalSummary, RowSink } from './rowSink.js';

/** One JSON object per line. A slow reader makes us drop (and count), never buffer without bound. */
export class JsonLinesSink implements RowSink {
  private droppedRows = 0;

  constructor(
    private readonly out: Writable,
    private readonly maxPendingBytes = 64 * 1024 * 1024,
  ) {}

  get dropped(): number {
    return this.droppedRows;
  }

  write(rows: readonly ConnectionRow[], _summary: IntervalSummary): void {
    if (rows.length === 0) return;
    if (this.out.writableLength > this.maxPendingBytes) {
      this.droppedRows += rows.length;
      return;
    }
    let text = '';
    for (const row of rows) text += `${JSON.stringify(row)}\n`;
    this.out.write(text);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.out.writableLength === 0) return resolve();
      this.out.once('drain', () => resolve());
      // A closed pipe never drains.
      this.out.once('error', () => resolve());
      this.out.once('close', () => resolve());
    });
  }
}
