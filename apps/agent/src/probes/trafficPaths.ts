import type { SocketWalk } from '@weft/native';

export type TrafficPath = 'counters' | 'tracepoint' | 'fentry' | 'kprobe';
export type TrafficPathRequest = TrafficPath | 'auto';
export const TRAFFIC_PATH_REQUESTS: readonly TrafficPathRequest[] = ['auto', 'counters', 'tracepoint', 'fentry', 'kprobe'];

/** One way to load the agent's programs: a traffic path, and for counters, how the socket map is walked. */
export interface PathAttempt {
  path: TrafficPath;
  socketWalk: SocketWalk;
  /** How logs and `weft doctor` name it. */
  label: string;
}

/**
 * Every way the agent can count bytes, best first.
 * - counters: nothing on the send/receive path at all. Each TCP socket's own
 *   sequence numbers already move by exactly what sendmsg queued and recvmsg
 *   consumed; a walk of the socket map turns them into bytes once per
 *   interval and at close. The cheapest by far, and exact (spliced and
 *   zero-copy I/O included). The walk is an iter/bpf_map_elem program, or
 *   where that is refused (lockdown with the BPF LSM), an iter/task program
 *   calling bpf_for_each_map_elem; both see every network namespace at once,
 *   which an iter/tcp walk (one namespace per iterator) would not.
 * - fentry/fexit, then kprobes, on tcp_sendmsg and tcp_cleanup_rbuf, then the
 *   sock_send_length/sock_recv_length tracepoints: a program on every send
 *   and receive (about 200 ns each, measured), for kernels where no counters
 *   walk loads.
 */
export const PATH_ATTEMPTS: readonly PathAttempt[] = [
  { path: 'counters', socketWalk: 'map_elem', label: 'counters (map element walk)' },
  { path: 'counters', socketWalk: 'task', label: 'counters (task walk)' },
  { path: 'fentry', socketWalk: 'map_elem', label: 'fentry' },
  { path: 'kprobe', socketWalk: 'map_elem', label: 'kprobe' },
  { path: 'tracepoint', socketWalk: 'map_elem', label: 'tracepoint' },
];

/** The attempts a request allows, in order of preference. */
export function attemptsFor(request: TrafficPathRequest): PathAttempt[] {
  return PATH_ATTEMPTS.filter((attempt) => request === 'auto' || attempt.path === request);
}
