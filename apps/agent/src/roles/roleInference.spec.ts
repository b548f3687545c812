import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { SocketRecord } from '../kernel/socketRecord.js';
import { RoleInference } from './roleInference.js';

const unknown = (sport: number, dport: number, netns = 1): SocketRecord =>
  ({ role: 'unknown', sport, dport, netns }) as SocketRecord;

describe('RoleInference', () => {
  const ephemeral = { low: 32768, high: 60999 };

  it('keeps the kernel role when it has one', () => {
    assert.deepEqual(new RoleInference(ephemeral).roleOf({ ...unknown(80, 40000), role: 'client' }), {
      role: 'client',
      inferred: false,
    });
  });

  it('calls a socket on a port we saw listening a server', () => {
    const roles = new RoleInference(ephemeral);
    roles.noteListener(1, 45000);
    assert.deepEqual(roles.roleOf(unknown(45000, 50000)), { role: 'server', inferred: true });
    assert.equal(roles.roleOf(unknown(45000, 80, 2)).role, 'client', 'listeners are per namespace');
  });

  it('uses the ephemeral port range otherwise', () => {
    const roles = new RoleInference(ephemeral);
    assert.equal(roles.roleOf(unknown(41000, 5432)).role, 'client');
    assert.equal(roles.roleOf(unknown(443, 41000)).role, 'server');
  });
});
