import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { containerIdFromCgroup } from './containerId.js';

const id = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'deadbeef';

describe('containerIdFromCgroup', () => {
  it('reads containerd under kubepods (cgroup v2, systemd driver)', () => {
    const file = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-${id}.scope\n`;
    assert.equal(containerIdFromCgroup(file), id);
  });

  it('reads docker and cri-o scopes', () => {
    assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${id}.scope\n`), id);
    assert.equal(containerIdFromCgroup(`0::/kubepods.slice/crio-${id}.scope\n`), id);
  });

  it('reads cgroup v1 cgroupfs paths', () => {
    const file = `12:memory:/kubepods/besteffort/pod1234/${id}\n11:cpu:/kubepods/besteffort/pod1234/${id}\n`;
    assert.equal(containerIdFromCgroup(file), id);
  });

  it('returns null outside containers', () => {
    assert.equal(containerIdFromCgroup('0::/user.slice/user-0.slice/session-1.scope\n'), null);
    assert.equal(containerIdFromCgroup('0::/\n'), null);
  });
});
