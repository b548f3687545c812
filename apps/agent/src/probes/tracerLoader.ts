import { BpfError, type SocketTracer, type SocketTracerOptions } from '@weft/native';
import { ConfigError } from '../config/configError.js';
import { attemptsFor, type PathAttempt, type TrafficPath, type TrafficPathRequest } from './trafficPaths.js';

/** Why one attempt did not work: the step, the program the kernel refused and its errno. */
export interface PathFailure {
  attempt: PathAttempt;
  op: string;
  program: string | null;
  code: string;
  message: string;
}

export interface PathChoice {
  path: TrafficPath;
  label: string;
  reason: string;
  /** Whether L7 capture is loaded; when it was asked for and refused, why not. */
  l7: { on: boolean; refused: string | null };
  /** Whether TLS capture's programs are loaded (to be attached to each libssl); when asked for and refused, why not. */
  tls: { on: boolean; refused: string | null };
}

/** The programs of L7 capture (bpf/l7_capture.bpf.c): a kernel that refuses them still runs the rest. */
export const L7_PROGRAMS: readonly string[] = ['weft_l7_send', 'weft_l7_recv'];
/** The programs of TLS capture (bpf/tls_capture.bpf.c): a kernel that refuses uprobes still runs L7 capture of plain traffic. */
export const TLS_PROGRAMS: readonly string[] = [
  'weft_tls_write_enter', 'weft_tls_write_ex_enter', 'weft_tls_read_enter', 'weft_tls_read_ex_enter', 'weft_tls_return',
];

/**
 * The programs that write the L7 ring with batched wakeups (bpf_ringbuf_query): a kernel that
 * refuses one of them is tried again with a wakeup per call before L7 capture is given up.
 */
export const L7_RING_PROGRAMS: readonly string[] = [...L7_PROGRAMS, 'weft_tls_return', 'weft_destroy_sock'];

export type TracerOptions = Omit<SocketTracerOptions, 'trafficPath' | 'socketWalk'>;
export type OpenTracer = (options: SocketTracerOptions) => SocketTracer;

/** "kprobe: attach of weft_kprobe_tcp_sendmsg failed (ENOENT)". */
export function describeFailure(failure: PathFailure): string {
  const what = failure.program ? `${failure.op} of ${failure.program}` : failure.op;
  return `${failure.attempt.label}: ${what} failed (${failure.code})`;
}

function failureOf(attempt: PathAttempt, err: unknown): PathFailure {
  // Only the kernel's (or libbpf's) refusals mean "try the next path"; any
  // other error is a bug and must stop the agent with its stack.
  if (!(err instanceof BpfError) || (err.op !== 'load' && err.op !== 'attach')) throw err;
  return { attempt, op: err.op, program: err.program ?? null, code: err.code, message: err.message };
}

/**
 * Opens with the L7 ring batched when asked for; a refusal of a program writing that ring is
 * tried once more with a wakeup per call (slower, the same calls), and the reason said.
 */
function openBatched(open: OpenTracer, options: SocketTracerOptions, attempt: PathAttempt, note: (message: string) => void): SocketTracer {
  try {
    return open(options);
  } catch (err) {
    const failure = options.l7 && options.l7RingBatch === true ? failureOf(attempt, err) : null;
    if (!failure?.program || !L7_RING_PROGRAMS.includes(failure.program)) throw err;
    const tracer = open({ ...options, l7RingBatch: false });
    note(`L7 ring batching refused by this kernel, the agent is woken at every call: ${failure.op} of ${failure.program} failed (${failure.code}): ${failure.message}`);
    return tracer;
  }
}

/**
 * Loads and attaches the agent's programs by trying each allowed path in
 * order; the first that the kernel accepts wins. What a kernel allows is
 * learnt only this way, never from its version or its BTF: kernels that list
 * a program type still refuse it (lockdown, LSM policy, distribution
 * configs). Each skipped path is logged with its errno and the program that
 * failed; when none works, one ConfigError lists them all.
 */
export function loadTracer(
  request: TrafficPathRequest,
  options: TracerOptions,
  open: OpenTracer,
  note: (message: string) => void,
): { tracer: SocketTracer; choice: PathChoice; failures: PathFailure[] } {
  const failures: PathFailure[] = [];
  for (const attempt of attemptsFor(request)) {
    let tracer: SocketTracer;
    let l7Refused: string | null = null;
    let tlsRefused: string | null = null;
    const at = { trafficPath: attempt.path, socketWalk: attempt.socketWalk };
    try {
      try {
        try {
          tracer = openBatched(open, { ...options, ...at }, attempt, note);
        } catch (err) {
          // TLS capture is an addition to L7 capture: a kernel that refuses
          // uprobes gets L7 capture of plain traffic.
          const tlsFailure = options.l7 && options.l7Tls ? failureOf(attempt, err) : null;
          if (!tlsFailure?.program || !TLS_PROGRAMS.includes(tlsFailure.program)) throw err;
          tlsRefused = `${tlsFailure.op} of ${tlsFailure.program} failed (${tlsFailure.code}): ${tlsFailure.message}`;
          note(`TLS capture refused by this kernel, HTTPS requests will not be measured: ${tlsRefused}`);
          tracer = openBatched(open, { ...options, l7Tls: false, ...at }, attempt, note);
        }
      } catch (err) {
        // L7 capture is an addition: a kernel that refuses its programs gets
        // the same traffic path without it.
        const l7Failure = options.l7 ? failureOf(attempt, err) : null;
        if (!l7Failure?.program || !L7_PROGRAMS.includes(l7Failure.program)) throw err;
        l7Refused = `${l7Failure.op} of ${l7Failure.program} failed (${l7Failure.code}): ${l7Failure.message}`;
        note(`L7 capture refused by this kernel, requests will not be measured: ${l7Refused}`);
        tracer = open({ ...options, l7: false, l7Tls: false, ...at });
      }
    } catch (err) {
      const failure = failureOf(attempt, err);
      failures.push(failure);
      // Not a warning: on many kernels the first paths are refused, by design.
      note(`traffic path ${describeFailure(failure)}: ${failure.message}; trying the next one`);
      continue;
    }
    const how = request === 'auto' ? 'the first that loads' : `requested with --traffic-path ${request}`;
    const skipped = failures.length > 0 ? ` (skipped: ${failures.map(describeFailure).join('; ')})` : '';
    const l7 = { on: options.l7 === true && l7Refused === null, refused: l7Refused };
    const tls = { on: l7.on && options.l7Tls === true && tlsRefused === null, refused: l7Refused ?? tlsRefused };
    return { tracer, choice: { path: attempt.path, label: attempt.label, reason: `${attempt.label}, ${how}${skipped}`, l7, tls }, failures };
  }
  const tried = failures.map(describeFailure).join('; ');
  throw new ConfigError(
    request === 'auto'
      ? `no traffic path works on this kernel: ${tried} (weft doctor shows what this kernel allows)`
      : `--traffic-path ${request} cannot be used here: ${tried}`,
    request === 'auto' ? undefined : '--traffic-path',
  );
}
