// The one error type of @weft/native. The addon constructs it itself (see
// setup() in index.js), so its stack is the JS caller's.
import { constants } from 'node:os';

// errno -> name. Where libc has two names for one number, the first is
// the one the kernel documentation uses.
const preferred = { 11: 'EAGAIN', 35: 'EDEADLK', 95: 'EOPNOTSUPP' };
// Kernel-internal codes bpf(2) leaks, and libbpf's own (libbpf_strerror).
const extra = {
  512: 'ERESTARTSYS',
  524: 'ENOTSUPP',
  4000: 'LIBBPF_ERRNO__LIBELF',
  4001: 'LIBBPF_ERRNO__FORMAT',
  4002: 'LIBBPF_ERRNO__KVERSION',
  4003: 'LIBBPF_ERRNO__ENDIAN',
  4004: 'LIBBPF_ERRNO__INTERNAL',
  4005: 'LIBBPF_ERRNO__RELOC',
  4006: 'LIBBPF_ERRNO__LOAD',
  4007: 'LIBBPF_ERRNO__VERIFY',
  4008: 'LIBBPF_ERRNO__PROG2BIG',
  4009: 'LIBBPF_ERRNO__KVER',
  4010: 'LIBBPF_ERRNO__PROGTYPE',
  4011: 'LIBBPF_ERRNO__WRNGPID',
  4012: 'LIBBPF_ERRNO__INVSEQ',
  4013: 'LIBBPF_ERRNO__NLPARSE',
};
const names = new Map();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!names.has(value)) names.set(value, name);
}
for (const [value, name] of Object.entries({ ...preferred, ...extra })) names.set(Number(value), name);

/** 'EPERM' for 1; 'E<n>' for numbers no table knows. */
export function errnoName(errno) {
  return names.get(errno) ?? `E${errno}`;
}

// libbpf names the program it gave up on: "prog 'weft_x': BPF program load
// failed: ...", "prog 'weft_x': failed to load: -1", "... failed to attach".
const FAILED_PROGRAM = /prog '([^']+)': (?:BPF program load failed|failed to (?:load|attach|auto-attach|create))/;
// Our own messages name a program in parentheses: "attaching ... (weft_x) failed".
const NAMED_PROGRAM = /\((weft_[a-z0-9_]+)\)/;

function failedProgram(detail) {
  return FAILED_PROGRAM.exec(detail)?.[1];
}

function programNamed(message) {
  return NAMED_PROGRAM.exec(message)?.[1];
}

export class BpfError extends Error {
  /**
   * @param {string} op what failed: 'open', 'load', 'attach', 'netns_filter', 'read', ...
   * @param {number} errno positive errno (or a libbpf 4000+ code)
   * @param {string} message
   * @param {string} [detail] libbpf's log of the failed operation (verifier output)
   */
  constructor(op, errno, message, detail) {
    super(message);
    this.name = 'BpfError';
    this.code = errnoName(errno);
    this.errno = errno;
    this.op = op;
    if (detail !== undefined) this.detail = detail;
    const program = detail === undefined ? undefined : failedProgram(detail) ?? programNamed(message);
    if (program !== undefined) this.program = program;
  }
}
