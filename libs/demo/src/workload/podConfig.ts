/**
 * What one pod's program is told (in the environment, so `ps` shows a short
 * command line): which service it is, where it listens, where the services
 * it calls are (their Service VIPs, or a headless Service's pods: what DNS
 * would give), a canary's faults,
 * and for the load generator the rhythm.
 */
import type { LoadRhythm } from '../demoTopology.js';
import type { ShopServiceKey } from '../shop/shopTopology.js';
import type { Address } from './framedConnections.js';
import type { ServiceFaults } from './httpService.js';

export const POD_CONFIG_ENV = 'WEFT_DEMO_POD';

export interface PodConfig {
  service: ShopServiceKey;
  pod: string;
  version: string;
  protocol: 'http' | 'resp' | 'pg-like' | 'none';
  listen: Address | null;
  /** Where each upstream is dialled: its Service VIP, or (a headless Service) each of its pods, taken in turn. */
  upstreams: Partial<Record<ShopServiceKey, Address[]>>;
  faults: ServiceFaults | null;
  rhythm: LoadRhythm | null;
}

export function encodePodConfig(config: PodConfig): string {
  return JSON.stringify(config);
}

export function decodePodConfig(text: string | undefined): PodConfig {
  if (!text) throw new Error(`${POD_CONFIG_ENV} is not set: this program is started by the demo (startDemo), one per pod`);
  const config = JSON.parse(text) as Partial<PodConfig>;
  for (const field of ['service', 'pod', 'version', 'protocol'] as const) {
    if (typeof config[field] !== 'string') throw new Error(`${POD_CONFIG_ENV}: ${field} is missing`);
  }
  if (config.protocol !== 'none' && !config.listen) throw new Error(`${POD_CONFIG_ENV}: a ${config.protocol} service needs listen`);
  return { listen: null, upstreams: {}, faults: null, rhythm: null, ...config } as PodConfig;
}
