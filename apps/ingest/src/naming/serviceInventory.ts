import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import type { EndpointIdentity } from './endpointIdentity.js';

/**
 * The inventory file: a small JSON file that names services where nothing
 * else can (plain hosts) or where the automatic name is not the one people
 * use. Rules are tried in order; every field a rule gives must match.
 *
 *   { "services": [
 *       { "name": "checkout", "process": "node", "port": 8080 },
 *       { "name": "orders-db", "address": "10.0.0.5", "port": 5432 },
 *       { "name": "corp-network", "cidr": "10.1.0.0/16", "namespace": "corp" } ] }
 *
 * `port` is the server's listening port, so a rule with a port only names
 * server ends; `process` is the process name (comm) where the end's agent
 * reported it.
 */
export interface InventoryRule {
  name: string;
  namespace?: string;
  process?: string;
  address?: string;
  cidr?: string;
  port?: number;
}

export class InventoryError extends Error {}

interface CompiledRule {
  rule: InventoryRule;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number] | null;
}

function normalize(ip: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(ip);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
    ? (parsed as ipaddr.IPv6).toIPv4Address()
    : parsed;
}

export class ServiceInventory {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly InventoryRule[]) {
    this.rules = rules.map((rule, index) => {
      const where = `inventory rule ${index + 1} (${JSON.stringify(rule)})`;
      if (typeof rule.name !== 'string' || rule.name.length === 0) throw new InventoryError(`${where}: "name" must be a non-empty string`);
      if (rule.process === undefined && rule.address === undefined && rule.cidr === undefined && rule.port === undefined) {
        throw new InventoryError(`${where}: give at least one of "process", "address", "cidr", "port"`);
      }
      if (rule.port !== undefined && (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535)) {
        throw new InventoryError(`${where}: "port" must be an integer in 1..65535`);
      }
      let range: CompiledRule['range'] = null;
      try {
        if (rule.address !== undefined) {
          const address = normalize(rule.address);
          range = [address, address.kind() === 'ipv4' ? 32 : 128];
        } else if (rule.cidr !== undefined) {
          range = ipaddr.parseCIDR(rule.cidr);
        }
      } catch (err) {
        throw new InventoryError(`${where}: ${(err as Error).message}`);
      }
      return { rule, range };
    });
  }

  static fromFile(path: string): ServiceInventory {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new InventoryError(`inventory file ${path}: ${(err as Error).message}`);
    }
    const services = (parsed as { services?: unknown }).services;
    if (!Array.isArray(services)) throw new InventoryError(`inventory file ${path}: expected {"services": [...]}`);
    try {
      return new ServiceInventory(services as InventoryRule[]);
    } catch (err) {
      throw new InventoryError(`inventory file ${path}: ${(err as Error).message}`);
    }
  }

  get size(): number {
    return this.rules.length;
  }

  /** The first rule that names this end, or null. `port` only for server ends. */
  match(ip: string, port: number | null, process: string | null): InventoryRule | null {
    let address: ipaddr.IPv4 | ipaddr.IPv6 | null = null;
    for (const { rule, range } of this.rules) {
      if (rule.port !== undefined && rule.port !== port) continue;
      if (rule.process !== undefined && rule.process !== process) continue;
      if (range !== null) {
        address ??= normalize(ip);
        if (address.kind() !== range[0].kind() || !address.match(range)) continue;
      }
      return rule;
    }
    return null;
  }

  /** The identity an inventory rule gives; instance and failure domains come from the caller. */
  static identity(rule: InventoryRule, details: Omit<EndpointIdentity, 'service' | 'name' | 'namespace' | 'kind'>): EndpointIdentity {
    return { service: `svc:${rule.name}`, name: rule.name, namespace: rule.namespace ?? '', kind: 'inventory', ...details };
  }
}
