import { ConfigError } from '@weft/runtime';
import { KubernetesInventory, KubernetesNamer, type ClusterNamer, type KubernetesConnection } from '@weft/ingest';

export interface ClusterOptions {
  kubeconfig?: string;
  kubeApi?: string;
  inCluster?: boolean;
}

export interface ClusterNaming {
  namer: ClusterNamer;
  stop(): Promise<void>;
}

/** Kubernetes naming when one of --kubeconfig, --kube-api, --in-cluster is given; null otherwise (host naming). */
export async function startClusterNaming(options: ClusterOptions, say: (line: string) => void): Promise<ClusterNaming | null> {
  const given = [options.kubeconfig, options.kubeApi, options.inCluster].filter(Boolean).length;
  if (given === 0) return null;
  if (given > 1) throw new ConfigError('give one of --kubeconfig, --kube-api, --in-cluster', '--kubeconfig');
  const connection: KubernetesConnection = options.kubeconfig
    ? { kubeconfigPath: options.kubeconfig }
    : options.kubeApi
      ? { server: options.kubeApi }
      : { inCluster: true };
  const inventory = new KubernetesInventory(connection, { syncTimeoutMs: 30_000 });
  try {
    await inventory.start();
  } catch (err) {
    await inventory.stop();
    throw new ConfigError(`Kubernetes API: ${(err as Error).message}`, '--kubeconfig');
  }
  say(`naming from Kubernetes (${options.kubeconfig ?? options.kubeApi ?? 'in-cluster'})`);
  const namer = new KubernetesNamer(inventory);
  return {
    namer,
    async stop() {
      namer.close();
      await inventory.stop();
    },
  };
}
