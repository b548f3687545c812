import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KernelPathTable } from './kernelPathTable.js';

describe('KernelPathTable', () => {
  it('names hashes, forgets the least recently used past its bound, counted', () => {
    const table = new KernelPathTable(2);
    table.learn(1n, '/a');
    table.learn(2n, '/b');
    assert.equal(table.textOf(1n), '/a');
    table.learn(3n, '/c');
    assert.equal(table.textOf(2n), undefined, '/b was the least recently used');
    assert.equal(table.textOf(1n), '/a');
    assert.equal(table.textOf(3n), '/c');
    assert.equal(table.evictions, 1);
    assert.equal(table.size, 2);
  });
});
