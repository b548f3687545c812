import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/configError.js';

/** Capability numbers from linux/capability.h. */
const CAPABILITY_BITS = {
  CAP_NET_ADMIN: 12,
  CAP_SYS_ADMIN: 21,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
} as const;
type CapabilityName = keyof typeof CAPABILITY_BITS;

/**
 * What the agent needs and why: CAP_BPF to create maps and load programs,
 * CAP_PERFMON to attach tracing programs and read kernel memory through
 * them, CAP_NET_ADMIN to read conntrack over netlink. Nothing else: no
 * setns, no /proc of other users beyond what is world-readable.
 */
export const REQUIRED_CAPABILITIES: readonly CapabilityName[] = ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'];

/** Parses the CapEff line of /proc/<pid>/status into a bit set. */
export function parseEffectiveCapabilities(status: string): bigint {
  const match = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(status);
  if (!match?.[1]) throw new Error('no CapEff line in /proc/self/status');
  return BigInt(`0x${match[1]}`);
}

export function missingCapabilities(effective: bigint): CapabilityName[] {
  const has = (name: CapabilityName): boolean => (effective >> BigInt(CAPABILITY_BITS[name])) & 1n ? true : false;
  // Before 5.8, CAP_SYS_ADMIN stood in for CAP_BPF and CAP_PERFMON.
  const sysAdmin = has('CAP_SYS_ADMIN');
  return REQUIRED_CAPABILITIES.filter((name) => {
    if (has(name)) return false;
    return !(sysAdmin && (name === 'CAP_BPF' || name === 'CAP_PERFMON'));
  });
}

export function assertCapabilities(statusPath = '/proc/self/status'): void {
  const missing = missingCapabilities(parseEffectiveCapabilities(readFileSync(statusPath, 'utf8')));
  if (missing.length > 0) {
    throw new ConfigError(
      `missing capabilities ${missing.join(', ')}: run as root or grant ${REQUIRED_CAPABILITIES.join(', ')} ` +
        '(e.g. capsh --addamb, setcap, or a Kubernetes securityContext)',
    );
  }
}
