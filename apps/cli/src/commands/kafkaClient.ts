import { Kafka, logLevel } from 'kafkajs';
import { ConfigError } from '@weft/runtime';

/** A kafkajs client that logs only warnings and errors, one line each, to stderr. */
export function kafkaClient(brokers: string, clientId: string): Kafka {
  const list = brokers.split(',').map((b) => b.trim()).filter(Boolean);
  if (list.length === 0 || list.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b))) {
    throw new ConfigError(`--kafka must be HOST:PORT[,HOST:PORT...], got "${brokers}"`, '--kafka');
  }
  return new Kafka({
    clientId,
    brokers: list,
    logLevel: logLevel.ERROR,
    // At most 5 s between attempts: a broker that comes back is used within
    // seconds (kafkajs' default grows to 30 s, and a stage sleeping that long
    // lets its nodes fall behind the others).
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 12 },
    logCreator: () => ({ namespace, log }) => {
      process.stderr.write(`weft ${clientId}: kafka ${namespace}: ${log.message}\n`);
    },
  });
}
