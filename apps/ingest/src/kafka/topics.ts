import type { Admin } from 'kafkajs';

/** Topic names and partition counts of the scaled-out path. */
export interface TopicLayout {
  /** Agent batches, key = node id. */
  telemetry: string;
  /** Connection halves re-keyed by connection, so both halves meet in one partition. */
  halves: string;
  partitions: number;
}

export const DEFAULT_TOPICS: TopicLayout = { telemetry: 'weft.telemetry.v1', halves: 'weft.halves.v1', partitions: 12 };

/** Creates missing topics (idempotent); an existing topic keeps its partition count. */
export async function ensureTopics(admin: Admin, layout: TopicLayout): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [layout.telemetry, layout.halves].filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: layout.partitions, replicationFactor: -1 })),
  });
}

/**
 * Partition of a connection key: a stable hash (FNV-1a, 32 bits) of the key,
 * the same in every process, so both halves of a connection always meet.
 */
export function partitionOfKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
