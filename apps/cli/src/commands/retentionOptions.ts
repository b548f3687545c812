import type { Command } from 'commander';

export interface StoreOptions {
  clickhouse?: string;
  dataDir: string;
  retention1s?: string;
  retention1m?: string;
  retention1h?: string;
}

export const RETENTION_FLAGS = [
  { flag: '--retention-1s', key: 'retention1s', setting: 'rawSeconds', table: 'one-second rows (edges_1s)', fallback: '7 DAY', env: 'WEFT_RETENTION_1S' },
  { flag: '--retention-1m', key: 'retention1m', setting: 'minute', table: 'one-minute rollups (edges_1m)', fallback: '30 DAY', env: 'WEFT_RETENTION_1M' },
  { flag: '--retention-1h', key: 'retention1h', setting: 'hour', table: 'one-hour rollups (edges_1h)', fallback: '395 DAY', env: 'WEFT_RETENTION_1H' },
] as const;

/** The flags of the processes that migrate the store (up, ingest): how long each table keeps rows. */
export function withRetentionOptions(command: Command): Command {
  for (const { flag, table, fallback, env } of RETENTION_FLAGS) {
    command.option(`${flag} <interval>`, `how long ${table} are kept, e.g. '${fallback}' (default)`, process.env[env]);
  }
  return command;
}
