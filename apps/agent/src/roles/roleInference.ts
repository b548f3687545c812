import { readFileSync } from 'node:fs';
import type { SocketRecord } from '../kernel/socketRecord.js';

export interface InferredRole {
  role: 'client' | 'server';
  inferred: boolean;
}

/**
 * Role of a socket the kernel could not classify (it predates the agent, so
 * we never saw SYN_SENT or a listener's child). Evidence, strongest first: a
 * listener we saw on the local port of that namespace; then the ephemeral
 * port range, from which connect() picks the client's port.
 */
export class RoleInference {
  private readonly listeners = new Set<string>();

  constructor(private readonly ephemeral: { low: number; high: number } = readEphemeralRange()) {}

  noteListener(netns: number, port: number): void {
    if (this.listeners.size > 65_536) this.listeners.clear();
    this.listeners.add(`${netns}:${port}`);
  }

  roleOf(socket: SocketRecord): InferredRole {
    if (socket.role !== 'unknown') return { role: socket.role, inferred: false };
    if (this.listeners.has(`${socket.netns}:${socket.sport}`)) return { role: 'server', inferred: true };
    const localEphemeral = this.isEphemeral(socket.sport);
    const remoteEphemeral = this.isEphemeral(socket.dport);
    if (localEphemeral !== remoteEphemeral) return { role: localEphemeral ? 'client' : 'server', inferred: true };
    return { role: socket.sport > socket.dport ? 'client' : 'server', inferred: true };
  }

  private isEphemeral(port: number): boolean {
    return port >= this.ephemeral.low && port <= this.ephemeral.high;
  }
}

function readEphemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && low > 0 && high >= low) return { low, high };
  } catch {
    // Not Linux procfs: use the kernel default below.
  }
  return { low: 32768, high: 60999 };
}
