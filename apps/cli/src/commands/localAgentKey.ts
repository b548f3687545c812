import { randomBytes } from 'node:crypto';
import type { IngestAuthenticator } from '@weft/ingest';

/**
 * `weft up --kafka`: the in-process agent's messages go through Kafka like any agent's, and
 * the decode stage wants a key with each. This process makes one up at start (random, never
 * stored, never printed) and takes it as the first tenant's; every other key goes to the
 * control store. Another ingest consuming the same topic does not know it and drops those
 * messages (counted as unknown_key).
 */
export function localAgentKey(): string {
  return `weft-up-local_${randomBytes(32).toString('base64url')}`;
}

/** `authenticator`, plus the in-process agent's key as `tenant`'s. */
export function withLocalAgent(authenticator: IngestAuthenticator, key: string, tenant: string): IngestAuthenticator {
  return {
    authenticate: (given) => (given === key ? Promise.resolve({ tenant }) : authenticator.authenticate(given)),
  };
}
