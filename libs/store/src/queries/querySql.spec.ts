import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BOUND_IDS_BYTES, boundIdChunks, boundIdsBytes } from './querySql.js';

test('id lists are cut into chunks a server URL carries, in order, none lost', () => {
  assert.deepEqual(boundIdChunks([]), []);
  assert.deepEqual(boundIdChunks(['a', 'b']), [['a', 'b']]);
  const ids = Array.from({ length: 30_000 }, (_, i) => `k8s:ns-${i % 50}/Deployment/svc-${i}`);
  assert.ok(boundIdsBytes(ids) > 3 * MAX_BOUND_IDS_BYTES);
  const chunks = boundIdChunks(ids);
  assert.ok(chunks.length >= 4);
  assert.deepEqual(chunks.flat(), ids);
  for (const chunk of chunks) assert.ok(boundIdsBytes(chunk) <= MAX_BOUND_IDS_BYTES);
  // An id heavier than the limit still goes, alone.
  const huge = 'x'.repeat(MAX_BOUND_IDS_BYTES);
  assert.deepEqual(boundIdChunks(['a', huge, 'b']), [['a'], [huge], ['b']]);
});
