import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { EdgeRow } from '../aggregation/edgeAggregator.js';
import type { ConnectionHalf } from '../halves/connectionHalf.js';
import { ConnectionMatcher, DEFAULT_MATCHER_OPTIONS } from '../matching/connectionMatcher.js';
import { IngestMetrics } from '../metrics/ingestMetrics.js';
import { EndpointNamer } from '../naming/endpointNamer.js';
import { ListenerDirectory } from '../naming/listenerDirectory.js';
import { DEFAULT_PIPELINE_OPTIONS, IngestPipeline, type EdgeWriter } from './ingestPipeline.js';

/** A client half to an external server: released alone, one edge row per second and client port. */
function clientHalf(second: number, port: number): ConnectionHalf {
  return {
    nodeId: 'node-a', tsMs: second * 1000 + 999, second, socketId: `r/${port}`, netns: 1, role: 'client', roleInferred: false,
    localIp: '10.0.1.5', localPort: port, remoteIp: '203.0.113.9', remotePort: 443, pid: port, comm: `c${port}`, cmdline: null, containerId: null,
    bytesSent: 10, bytesReceived: 20, srttUs: 100, retransmits: 0, resetsSent: 0, resetsReceived: 0, opened: false, closed: false, connectFailed: false,
  };
}

describe('IngestPipeline', () => {
  it('writes a backlog in fewer, larger writes, each within maxRowsPerWrite, and loses no row', async () => {
    const writes: number[] = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const writer: EdgeWriter = {
      async writeEdgeRows(rows: readonly EdgeRow[]) {
        writes.push(rows.length);
        await gate; // the store is slow: everything released meanwhile queues up
      },
    };
    const listeners = new ListenerDirectory();
    const pipeline = new IngestPipeline(
      new ConnectionMatcher({ ...DEFAULT_MATCHER_OPTIONS, startupSeconds: 0 }),
      new EndpointNamer(null, null, listeners),
      listeners,
      writer,
      new IngestMetrics(),
      { ...DEFAULT_PIPELINE_OPTIONS, maxRowsPerWrite: 25 },
    );
    // 12 seconds of 10 connections (10 rows a second, each client its own process).
    for (let second = 100; second < 112; second++) {
      pipeline.accept({ tenant: 't1', nodeId: 'node-a', second, halves: Array.from({ length: 10 }, (_, i) => clientHalf(second, 40000 + i)), listeners: [] });
    }
    pipeline.tick(Date.now(), true);
    release();
    gate = Promise.resolve();
    await pipeline.drain();
    assert.equal(writes.reduce((a, b) => a + b, 0), 120, 'every row written once');
    assert.ok(writes.every((n) => n <= 25), `writes ${writes.join(',')} within 25 rows`);
    assert.ok(writes.length < 12, `backlog merged: ${writes.length} writes for 12 releases`);
  });
});
