import type { HealthCheck, HealthCheckResult } from '@weft/runtime';
import type { WriteHealth } from '../store/writeHealth.js';

export interface WriteHealthOptions {
  /** Writes failing for longer than this make the check fail (a few retries' worth). */
  failingForMs: number;
}

/** The store writes: failing since when, and how old the last one that landed is. */
export function writeHealthCheck(name: string, health: WriteHealth, options: WriteHealthOptions = { failingForMs: 30_000 }): HealthCheck {
  return {
    name,
    check(): HealthCheckResult {
      const now = Date.now();
      const age = health.lastSuccessMs === null ? null : Math.round((now - health.lastSuccessMs) / 1000);
      const failingFor = health.failingSinceMs === null ? 0 : now - health.failingSinceMs;
      const details = { last_write_age_seconds: age, failing_for_seconds: Math.round(failingFor / 1000) };
      if (health.failingSinceMs !== null && failingFor >= options.failingForMs) {
        const last = age === null ? 'none has succeeded yet' : `the last one succeeded ${age} s ago`;
        return { ok: false, reason: `store writes failing for ${Math.round(failingFor / 1000)} s (${last})`, details };
      }
      return { ok: true, details };
    },
  };
}

/** What a Kafka stage tells about its consumer (DecodeStage and MatchStage have it). */
export interface KafkaStageState {
  readonly state: { joined: boolean; rebuilding: boolean };
}

/** A Kafka stage's consumer is in its group (joined since its last start, not crashed or being rebuilt). */
export function kafkaStageCheck(name: string, stage: KafkaStageState): HealthCheck {
  return {
    name,
    check(): HealthCheckResult {
      const { joined, rebuilding } = stage.state;
      if (joined) return { ok: true, details: { joined } };
      return { ok: false, reason: rebuilding ? 'consumer stopped, being rebuilt' : 'consumer has not joined its group', details: { joined, rebuilding } };
    },
  };
}
