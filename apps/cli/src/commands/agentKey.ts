import { ConfigError } from '@weft/runtime';

/** A Weft API key's outline (`weft_<id>_<secret>`); the ingest checks the rest. */
const KEY_SHAPE = /^weft_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/;

/**
 * The agent's API key: `--key`, else WEFT_AGENT_KEY (the flag wins). Required when the agent
 * sends to an ingest (--grpc) or to Kafka (--kafka): the ingest takes only batches whose key
 * has the ingest scope. Errors name the setting, never its value (the key is a secret: it is
 * never printed, and commander is given no default, so --help does not show it either).
 */
export function agentKeyOf(flag: string | undefined, transport: '--grpc' | '--kafka' | null, env: NodeJS.ProcessEnv = process.env): string | null {
  const fromFlag = flag?.trim();
  const value = fromFlag || env.WEFT_AGENT_KEY?.trim() || undefined;
  const source = fromFlag ? '--key' : 'WEFT_AGENT_KEY';
  if (value === undefined) {
    if (transport === null) return null;
    throw new ConfigError(`${transport} needs an API key with the ingest scope: give --key KEY or set WEFT_AGENT_KEY (weft up prints an admin key on its first start; POST /api/v1/keys makes one with scopes ["ingest"])`, '--key');
  }
  if (!KEY_SHAPE.test(value)) throw new ConfigError(`${source} is not a Weft API key (expected weft_<id>_<secret>, as the API printed it)`, '--key');
  return value;
}
