import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConfigError } from '../config/configError.js';
import { selectTrafficPath, type KernelFeatures } from './probePathSelector.js';

const everything: KernelFeatures = {
  btf: true,
  fentryError: null,
  kprobesError: null,
  sockLengthTracepoints: true,
  socketIterators: true,
};
// A 5.8-5.10 kernel: hooks available, no socket iterators.
const noIterators: KernelFeatures = { ...everything, socketIterators: false };
// These machines: CONFIG_KPROBES off, fentry load returns EPERM (DESIGN.md).
const thisVm: KernelFeatures = {
  btf: true,
  fentryError: 'loading a test program returned EPERM',
  kprobesError: 'no kprobe PMU or kprobe_events (CONFIG_KPROBES off?)',
  sockLengthTracepoints: true,
  socketIterators: true,
};

describe('selectTrafficPath', () => {
  it('prefers the counters path (nothing on the send/receive path) wherever the iterators exist', () => {
    assert.equal(selectTrafficPath(everything, 'auto').path, 'counters');
    assert.equal(selectTrafficPath(thisVm, 'auto').path, 'counters');
  });

  it('prefers fentry when the kernel has no socket iterators', () => {
    const choice = selectTrafficPath(noIterators, 'auto');
    assert.equal(choice.path, 'fentry');
    assert.match(choice.reason, /socket iterators unavailable/);
  });

  it('falls back to kprobes when fentry is refused', () => {
    const choice = selectTrafficPath({ ...noIterators, fentryError: 'EPERM' }, 'auto');
    assert.equal(choice.path, 'kprobe');
    assert.match(choice.reason, /fentry unavailable: EPERM/);
  });

  it('uses the sock_*_length tracepoints without iterators, kprobes or fentry, and says why', () => {
    const choice = selectTrafficPath({ ...thisVm, socketIterators: false }, 'auto');
    assert.equal(choice.path, 'tracepoint');
    assert.match(choice.reason, /fentry unavailable/);
    assert.match(choice.reason, /kprobes unavailable/);
  });

  it('uses kprobes on an old kernel without the length tracepoints or fentry', () => {
    const old = { ...noIterators, fentryError: 'EINVAL', sockLengthTracepoints: false };
    assert.equal(selectTrafficPath(old, 'auto').path, 'kprobe');
  });

  it('honours an explicit request that the kernel supports', () => {
    assert.deepEqual(selectTrafficPath(everything, 'tracepoint'), {
      path: 'tracepoint',
      reason: 'requested with --traffic-path',
    });
  });

  it('refuses an explicit request the kernel cannot serve, naming the flag', () => {
    assert.throws(() => selectTrafficPath(thisVm, 'fentry'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.setting, '--traffic-path');
      assert.match(err.message, /EPERM/);
      return true;
    });
  });

  it('fails with a clear message without BTF', () => {
    assert.throws(() => selectTrafficPath({ ...everything, btf: false }, 'auto'), /CONFIG_DEBUG_INFO_BTF/);
  });

  it('fails when nothing can count bytes', () => {
    const none = { btf: true, fentryError: 'EPERM', kprobesError: 'off', sockLengthTracepoints: false, socketIterators: false };
    assert.throws(() => selectTrafficPath(none, 'auto'), /no way to count TCP bytes/);
  });
});
