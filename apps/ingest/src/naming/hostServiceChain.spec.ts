/**
 * A chain a -> b -> c on one plain host, where b serves a and calls c: the
 * map is two edges sharing node b (b's server side and client side are one
 * service), each with its server's listening port. Synthetic halves through
 * the ingest's real pipeline (matcher, namer, aggregator).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { EdgeRow } from '../aggregation/edgeAggregator.js';
import type { ConnectionHalf } from '../halves/connectionHalf.js';
import { ConnectionMatcher, DEFAULT_MATCHER_OPTIONS } from '../matching/connectionMatcher.js';
import { IngestMetrics } from '../metrics/ingestMetrics.js';
import { DEFAULT_PIPELINE_OPTIONS, IngestPipeline, type EdgeWriter } from '../pipeline/ingestPipeline.js';
import { EndpointNamer } from './endpointNamer.js';
import { ListenerDirectory } from './listenerDirectory.js';

interface Process {
  pid: number;
  comm: string;
  cmdline: string;
}

const a: Process = { pid: 101, comm: 'node', cmdline: 'node /srv/web/dist/index.js' };
const b: Process = { pid: 202, comm: 'python3', cmdline: '/usr/bin/python3 -m orders.api --port 9000' };
const c: Process = { pid: 303, comm: 'postgres', cmdline: 'postgres: app orders 127.0.0.1(40002) idle' };

/** Both halves of one connection-second between two processes of host-1, over loopback. */
function connection(second: number, client: Process, clientPort: number, server: Process, serverPort: number, opened: boolean, bytes: number): ConnectionHalf[] {
  const common = {
    nodeId: 'host-1', tsMs: second * 1000 + 999, second, netns: 1, roleInferred: false, containerId: null, localIp: '127.0.0.1', remoteIp: '127.0.0.1',
    srttUs: 50, retransmits: 0, resetsSent: 0, resetsReceived: 0, opened, closed: false, connectFailed: false,
  };
  return [
    { ...common, socketId: `r/${clientPort}c`, role: 'client', localPort: clientPort, remotePort: serverPort, pid: client.pid, comm: client.comm, cmdline: client.cmdline, bytesSent: bytes, bytesReceived: 2 * bytes },
    { ...common, socketId: `r/${clientPort}s`, role: 'server', localPort: serverPort, remotePort: clientPort, pid: server.pid, comm: server.comm, cmdline: server.cmdline, bytesSent: 2 * bytes, bytesReceived: bytes },
  ];
}

describe('a chain on a plain host', () => {
  it('a -> b -> c is two edges a->b and b->c sharing node b, each with its listening port', async () => {
    const rows: EdgeRow[] = [];
    const writer: EdgeWriter = {
      async writeEdgeRows(written: readonly EdgeRow[]) {
        rows.push(...written);
      },
    };
    const listeners = new ListenerDirectory();
    const pipeline = new IngestPipeline(
      new ConnectionMatcher({ ...DEFAULT_MATCHER_OPTIONS, startupSeconds: 0 }),
      new EndpointNamer(null, null, listeners),
      listeners,
      writer,
      new IngestMetrics(),
      DEFAULT_PIPELINE_OPTIONS,
    );
    for (let second = 100; second < 103; second++) {
      pipeline.accept({
        tenant: 't1',
        nodeId: 'host-1',
        second,
        halves: [...connection(second, a, 40001, b, 9000, second === 100, 10), ...connection(second, b, 40002, c, 5432, second === 100, 100)],
        listeners: [
          { nodeId: 'host-1', netns: 1, ip: '0.0.0.0', port: 9000, pid: b.pid, comm: b.comm },
          { nodeId: 'host-1', netns: 1, ip: '127.0.0.1', port: 5432, pid: c.pid, comm: c.comm },
        ],
      });
    }
    pipeline.tick(Date.now(), true);
    await pipeline.drain();

    const edges = new Map<string, { opened: number; sent: number; received: number; clientInstance: string; serverInstance: string }>();
    for (const row of rows) {
      const key = `${row.client.service} -> ${row.server.service} :${row.server_port}`;
      const edge = edges.get(key) ?? { opened: 0, sent: 0, received: 0, clientInstance: row.client.instance, serverInstance: row.server.instance };
      edge.opened += row.connections_opened;
      edge.sent += row.bytes_sent;
      edge.received += row.bytes_received;
      edges.set(key, edge);
    }
    assert.deepEqual([...edges.keys()].sort(), ['host:orders.api -> host:postgres :5432', 'host:web -> host:orders.api :9000']);
    assert.deepEqual(edges.get('host:web -> host:orders.api :9000'), { opened: 1, sent: 30, received: 60, clientInstance: 'host-1/101', serverInstance: 'host-1/202' });
    assert.deepEqual(edges.get('host:orders.api -> host:postgres :5432'), { opened: 1, sent: 300, received: 600, clientInstance: 'host-1/202', serverInstance: 'host-1/303' });
    // One node b: the same identity on both edges, as server of one and client of the other.
    const bAsServer = rows.find((row) => row.server_port === 9000)?.server;
    const bAsClient = rows.find((row) => row.server_port === 5432)?.client;
    assert.deepEqual(bAsClient, bAsServer);
    assert.equal(bAsServer?.name, 'orders.api');
  });
});
