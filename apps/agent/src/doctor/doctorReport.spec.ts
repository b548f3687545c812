import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ProgramProbe } from '@weft/native';
import type { DoctorFindings } from './doctorFindings.js';
import { doctorReport } from './doctorReport.js';

// Recorded with probePrograms() on Linux 6.18.44 (lockdown integrity, BPF LSM,
// no kprobes), where iter/bpf_map_elem and fentry are refused with EPERM.
const PROGRAMS_6_18_44: ProgramProbe[] = [
  {"name": "weft_refresh_map_elem", "section": "iter/bpf_map_elem", "load": {"ok": false, "code": "EPERM", "errno": 1, "message": "Operation not permitted", "log": "prog 'weft_refresh_map_elem': BPF program load failed: Operation not permitted; verifier: processed 0 insns"}},
  {"name": "weft_refresh_task_walk", "section": "iter/task", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_find_owners", "section": "iter/task_file", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_adopt_sockets", "section": "iter/task_file", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_set_state", "section": "tp_btf/inet_sock_set_state", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_destroy_sock", "section": "tp_btf/tcp_destroy_sock", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_fexit_tcp_sendmsg", "section": "fexit/tcp_sendmsg", "load": {"ok": false, "code": "EPERM", "errno": 1, "message": "Operation not permitted", "log": "prog 'weft_fexit_tcp_sendmsg': BPF program load failed: Operation not permitted"}},
  {"name": "weft_fentry_tcp_cleanup_rbuf", "section": "fentry/tcp_cleanup_rbuf", "load": {"ok": false, "code": "EPERM", "errno": 1, "message": "Operation not permitted", "log": "prog 'weft_fentry_tcp_cleanup_rbuf': BPF program load failed: Operation not permitted"}},
  {"name": "weft_kprobe_tcp_sendmsg", "section": "kprobe/tcp_sendmsg", "load": {"ok": true}, "attach": {"ok": false, "code": "ENOENT", "errno": 2, "message": "No such file or directory", "log": "prog 'weft_kprobe_tcp_sendmsg': failed to create kprobe 'tcp_sendmsg+0x0' perf event: No such file or directory"}},
  {"name": "weft_kretprobe_tcp_sendmsg", "section": "kretprobe/tcp_sendmsg", "load": {"ok": true}, "attach": {"ok": false, "code": "ENOENT", "errno": 2, "message": "No such file or directory", "log": "prog 'weft_kretprobe_tcp_sendmsg': failed to create kretprobe 'tcp_sendmsg+0x0' perf event: No such file or directory"}},
  {"name": "weft_kprobe_tcp_cleanup_rbuf", "section": "kprobe/tcp_cleanup_rbuf", "load": {"ok": true}, "attach": {"ok": false, "code": "ENOENT", "errno": 2, "message": "No such file or directory", "log": "prog 'weft_kprobe_tcp_cleanup_rbuf': failed to create kprobe 'tcp_cleanup_rbuf+0x0' perf event: No such file or directory"}},
  {"name": "weft_tp_send", "section": "tp_btf/sock_send_length", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_tp_recv", "section": "tp_btf/sock_recv_length", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_retransmit", "section": "tp_btf/tcp_retransmit_skb", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_receive_reset", "section": "tp_btf/tcp_receive_reset", "load": {"ok": true}, "attach": {"ok": true}},
  {"name": "weft_send_reset", "section": "tp_btf/tcp_send_reset", "load": {"ok": true}, "attach": {"ok": true}},
];

const THIS_KERNEL: DoctorFindings = {
  kernelRelease: '6.18.44-fc-v1045',
  machine: 'x86_64',
  lockdown: 'integrity',
  lsms: 'lockdown,capability,landlock,yama,bpf',
  btf: true,
  missingCapabilities: [],
  programs: PROGRAMS_6_18_44,
  paths: [
    { label: 'counters (map element walk)', ok: false, failure: { op: 'load', program: 'weft_refresh_map_elem', code: 'EPERM', message: 'loading the BPF programs failed: Operation not permitted' } },
    { label: 'counters (task walk)', ok: true },
    { label: 'fentry', ok: false, failure: { op: 'load', program: 'weft_fexit_tcp_sendmsg', code: 'EPERM', message: 'loading the BPF programs failed: Operation not permitted' } },
    { label: 'kprobe', ok: false, failure: { op: 'attach', program: 'weft_kprobe_tcp_sendmsg', code: 'ENOENT', message: 'attaching the BPF programs failed: No such file or directory' } },
    { label: 'tracepoint', ok: true },
  ],
  batchLookup: true,
  conntrack: { ok: true },
};

function lineWith(text: string, ...parts: string[]): string {
  const line = text.split('\n').find((l) => parts.every((part) => l.includes(part)));
  assert.ok(line, `no line with ${parts.join(' and ')} in:\n${text}`);
  return line;
}

describe('doctorReport', () => {
  it('lists iter/bpf_map_elem as refused with its errno, and names the chosen path', () => {
    const { text, agentCanRun } = doctorReport(THIS_KERNEL);
    assert.match(lineWith(text, 'iter/bpf_map_elem', 'weft_refresh_map_elem'), /REFUSED at load: EPERM/);
    assert.match(lineWith(text, 'iter/task ', 'weft_refresh_task_walk'), /loads, attaches/);
    assert.match(lineWith(text, 'fexit/tcp_sendmsg'), /REFUSED at load: EPERM/);
    assert.match(lineWith(text, 'kprobe/tcp_sendmsg'), /loads; REFUSED at attach: ENOENT/);
    assert.match(lineWith(text, 'counters (task walk)'), /works {2}<- the agent uses this one/);
    assert.doesNotMatch(lineWith(text, '  tracepoint '), /the agent uses/);
    assert.match(lineWith(text, 'counters (map element walk)'), /REFUSED: load of weft_refresh_map_elem failed \(EPERM\)/);
    assert.match(text, /Result: the agent can run here, on the counters \(task walk\) path\./);
    assert.match(lineWith(text, 'lockdown'), /integrity/);
    assert.equal(agentCanRun, true);
  });

  it('says the agent cannot run, and why, when no path loads or capabilities are missing', () => {
    const none = doctorReport({
      ...THIS_KERNEL,
      missingCapabilities: ['CAP_BPF'],
      paths: THIS_KERNEL.paths.map((path) => ({ ...path, ok: false, failure: { op: 'load', program: 'weft_set_state', code: 'EPERM', message: 'x' } })),
      batchLookup: null,
    });
    assert.equal(none.agentCanRun, false);
    assert.match(none.text, /Result: the agent cannot run here:\n {2}- missing capabilities CAP_BPF/);
    assert.match(none.text, /- no traffic path loads on this kernel/);
    assert.doesNotMatch(none.text, /the agent uses this one/);
  });

  it('a kernel without BTF or conntrack access is reported as such', () => {
    const report = doctorReport({ ...THIS_KERNEL, btf: false, programs: [], conntrack: { ok: false, code: 'EPERM', errno: 1, message: 'Operation not permitted', log: '' } });
    assert.equal(report.agentCanRun, false);
    assert.match(lineWith(report.text, 'BTF'), /MISSING/);
    assert.match(lineWith(report.text, 'conntrack'), /refused: EPERM \(Operation not permitted\)/);
  });
});
