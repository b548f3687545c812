import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BpfError, type SocketTracer, type SocketTracerOptions } from '@weft/native';
import { ConfigError } from '../config/configError.js';
import { loadTracer, type TracerOptions } from './tracerLoader.js';

const OPTIONS: TracerOptions = { maxSockets: 16, ringBufferBytes: 4096, netnsInodes: null };
const tracer = { close() {} } as unknown as SocketTracer;

// Recorded on 6.18.44 with lockdown=integrity and the BPF LSM: what libbpf
// and the kernel answered to each path (the native tests check the real ones).
function thisKernel(options: SocketTracerOptions): SocketTracer {
  const refuse = (op: string, program: string, errno: number, why: string): never => {
    throw new BpfError(op, errno, `${op === 'load' ? 'loading' : 'attaching'} the BPF programs failed: ${why}`, `libbpf: prog '${program}': ${op === 'load' ? 'BPF program load failed' : 'failed to create kprobe'}: ${why}\n`);
  };
  if (options.trafficPath === 'counters' && options.socketWalk === 'map_elem') return refuse('load', 'weft_refresh_map_elem', 1, 'Operation not permitted');
  if (options.trafficPath === 'fentry') return refuse('load', 'weft_fexit_tcp_sendmsg', 1, 'Operation not permitted');
  if (options.trafficPath === 'kprobe') return refuse('attach', 'weft_kprobe_tcp_sendmsg', 2, 'No such file or directory');
  return tracer;
}

describe('loadTracer', () => {
  it('takes the first path that loads, logging each one skipped with its program and errno', () => {
    const notes: string[] = [];
    const tried: string[] = [];
    const { choice, failures } = loadTracer('auto', OPTIONS, (o) => {
      tried.push(`${o.trafficPath}/${o.socketWalk}`);
      return thisKernel(o);
    }, (m) => notes.push(m));
    assert.deepEqual(tried, ['counters/map_elem', 'counters/task']);
    assert.equal(choice.path, 'counters');
    assert.equal(choice.label, 'counters (task walk)');
    assert.equal(failures.length, 1);
    assert.match(notes[0] ?? '', /counters \(map element walk\): load of weft_refresh_map_elem failed \(EPERM\)/);
    assert.match(choice.reason, /skipped: counters \(map element walk\): load of weft_refresh_map_elem failed \(EPERM\)/);
  });

  it('falls through to the tracepoint path when no counters walk loads', () => {
    const { choice, failures } = loadTracer('auto', OPTIONS, (o) =>
      o.trafficPath === 'counters'
        ? (() => { throw new BpfError('load', 1, 'loading failed: Operation not permitted', `libbpf: prog 'weft_refresh_${o.socketWalk === 'task' ? 'task_walk' : 'map_elem'}': BPF program load failed: Operation not permitted\n`); })()
        : thisKernel(o), () => {});
    assert.equal(choice.path, 'tracepoint');
    assert.deepEqual(failures.map((f) => `${f.attempt.label} ${f.op} ${f.program} ${f.code}`), [
      'counters (map element walk) load weft_refresh_map_elem EPERM',
      'counters (task walk) load weft_refresh_task_walk EPERM',
      'fentry load weft_fexit_tcp_sendmsg EPERM',
      'kprobe attach weft_kprobe_tcp_sendmsg ENOENT',
    ]);
  });

  it('stops with one line naming every path and why when none works', () => {
    const refuseAll = (o: SocketTracerOptions): never => {
      throw new BpfError('load', 1, 'loading the BPF programs failed: Operation not permitted', `libbpf: prog 'weft_set_state': BPF program load failed: Operation not permitted\n`);
    };
    assert.throws(() => loadTracer('auto', OPTIONS, refuseAll, () => {}), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message.split('\n').length, 1);
      for (const label of ['counters (map element walk)', 'counters (task walk)', 'fentry', 'kprobe', 'tracepoint']) {
        assert.ok(err.message.includes(`${label}: load of weft_set_state failed (EPERM)`), label);
      }
      return true;
    });
  });

  it('a requested path is the only one tried, and its failure names the flag', () => {
    const tried: string[] = [];
    assert.throws(
      () => loadTracer('fentry', OPTIONS, (o) => { tried.push(o.trafficPath); return thisKernel(o); }, () => {}),
      (err: unknown) => err instanceof ConfigError && err.setting === '--traffic-path' && /fentry: load of weft_fexit_tcp_sendmsg failed \(EPERM\)/.test(err.message),
    );
    assert.deepEqual(tried, ['fentry']);
    assert.equal(loadTracer('counters', OPTIONS, thisKernel, () => {}).choice.label, 'counters (task walk)');
  });

  it('an error that is not a kernel refusal is not taken for one', () => {
    assert.throws(() => loadTracer('auto', OPTIONS, () => { throw new TypeError('bug'); }, () => {}), TypeError);
  });

  it('a kernel that refuses the TLS uprobes keeps L7 capture of plain traffic, and says why TLS is off', () => {
    const notes: string[] = [];
    const opened: SocketTracerOptions[] = [];
    const { choice } = loadTracer('tracepoint', { ...OPTIONS, l7: true, l7Tls: true }, (o) => {
      opened.push(o);
      if (o.l7Tls) throw new BpfError('load', 1, 'loading the BPF programs failed: Operation not permitted', `libbpf: prog 'weft_tls_return': BPF program load failed: Operation not permitted\n`);
      return tracer;
    }, (m) => notes.push(m));
    assert.deepEqual(opened.map((o) => [o.l7, o.l7Tls]), [[true, true], [true, false]]);
    assert.deepEqual(choice.l7, { on: true, refused: null });
    assert.equal(choice.tls.on, false);
    assert.match(choice.tls.refused ?? '', /load of weft_tls_return failed \(EPERM\)/);
    assert.match(notes.join('\n'), /TLS capture refused by this kernel/);
  });

  it('a kernel that refuses the batched L7 ring keeps L7 capture with a wakeup per call, and says why', () => {
    const notes: string[] = [];
    const opened: SocketTracerOptions[] = [];
    const { choice } = loadTracer('tracepoint', { ...OPTIONS, l7: true, l7Tls: true, l7RingBatch: true }, (o) => {
      opened.push(o);
      if (o.l7RingBatch) throw new BpfError('load', 22, 'loading the BPF programs failed: Invalid argument', `libbpf: prog 'weft_l7_recv': BPF program load failed: Invalid argument\n`);
      return tracer;
    }, (m) => notes.push(m));
    assert.deepEqual(opened.map((o) => [o.l7, o.l7Tls, o.l7RingBatch]), [[true, true, true], [true, true, false]]);
    assert.deepEqual(choice.l7, { on: true, refused: null });
    assert.equal(choice.tls.on, true);
    assert.match(notes.join('\n'), /L7 ring batching refused by this kernel.*load of weft_l7_recv failed \(EINVAL\)/);
  });

  it('a kernel that refuses L7 capture has TLS capture off too', () => {
    const { choice } = loadTracer('tracepoint', { ...OPTIONS, l7: true, l7Tls: true }, (o) => {
      if (o.l7) throw new BpfError('load', 1, 'loading the BPF programs failed: Operation not permitted', `libbpf: prog 'weft_l7_send': BPF program load failed: Operation not permitted\n`);
      return tracer;
    }, () => {});
    assert.equal(choice.l7.on, false);
    assert.equal(choice.tls.on, false);
    assert.match(choice.tls.refused ?? '', /weft_l7_send/);
  });
});
