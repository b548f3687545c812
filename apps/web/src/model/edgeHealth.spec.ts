import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EdgeStats } from './apiTypes.ts';
import { failureShare, healthLevel, requestErrorShare, sumStats } from './edgeHealth.ts';

type Counts = Parameters<typeof failureShare>[0];
const counts = (over: Partial<Counts>): Counts => ({ connections_opened: 0, connections_failed: 0, resets: 0, requests: 0, request_errors: 0, ...over });

test('without requests: failed connections and resets over connection attempts; nothing attempted is null', () => {
  assert.equal(failureShare(counts({ connections_opened: 90, connections_failed: 10 })), 0.1);
  assert.equal(failureShare(counts({ connections_opened: 95, connections_failed: 0, resets: 5 })), 5 / 95);
  assert.equal(failureShare(counts({})), null);
  assert.equal(failureShare(counts({ resets: 2 })), 1, 'resets of connections opened before the window');
});

test('with requests: request errors and failed connections over requests and failed connections', () => {
  // The demo's checkout -> payment: one refused connection, no request error. Not 0 %.
  const refused = counts({ connections_opened: 2, connections_failed: 1, requests: 99, request_errors: 0 });
  assert.equal(failureShare(refused), 1 / 100);
  assert.equal(healthLevel(failureShare(refused)), 'warn');
  assert.equal(failureShare(counts({ connections_opened: 1, requests: 200, request_errors: 10 })), 0.05);
  assert.equal(failureShare(counts({ connections_opened: 10, connections_failed: 3, requests: 40, request_errors: 7 })), 10 / 43);
  assert.equal(failureShare(counts({ connections_opened: 1, requests: 50 })), 0);
  // Resets are not added once requests are counted: a reset answering a request is its error already.
  assert.equal(failureShare(counts({ connections_opened: 5, resets: 5, requests: 100, request_errors: 5 })), 0.05);
});

test('the request error share is server errors over requests, null without requests', () => {
  assert.equal(requestErrorShare({ requests: 30, request_errors: 6 }), 0.2);
  assert.equal(requestErrorShare({ requests: 0, request_errors: 0 }), null);
});

test('summed stats: counts summed, quantiles the worst, protocols all of them (mixed for several, null for none)', () => {
  const zero: EdgeStats = {
    connections_opened: 0, connections_closed: 0, connections_failed: 0, connection_seconds: 0, connections_active: 0, bytes_sent: 0, bytes_received: 0, retransmits: 0, resets: 0,
    rtt_p50_us: null, rtt_p95_us: null, rtt_p99_us: null, requests: 0, request_errors: 0, request_client_errors: 0,
    request_latency_p50_ms: null, request_latency_p95_ms: null, request_latency_p99_ms: null, protocols: [], protocol: null,
  };
  const a: EdgeStats = { ...zero, requests: 10, request_errors: 1, request_client_errors: 2, request_latency_p99_ms: 12.5, protocols: ['grpc'], protocol: 'grpc' };
  const b: EdgeStats = { ...zero, requests: 5, request_client_errors: 1, request_latency_p99_ms: 30.001, protocols: ['http1'], protocol: 'http1' };
  const sum = sumStats([a, b, zero]);
  assert.deepEqual([sum.requests, sum.request_errors, sum.request_client_errors, sum.request_latency_p99_ms, sum.request_latency_p50_ms], [15, 1, 3, 30.001, null]);
  assert.deepEqual([sum.protocols, sum.protocol], [['http1', 'grpc'], 'mixed']);
  assert.deepEqual([sumStats([a, a]).protocols, sumStats([a, a]).protocol], [['grpc'], 'grpc']);
  assert.deepEqual([sumStats([zero]).protocols, sumStats([zero]).protocol], [[], null]);
});
