import type { Consumer } from 'kafkajs';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';

export interface RecoverableStage {
  /** Which stage, for the metric and the log line. */
  readonly name: string;
  /** Creates fresh clients (consumer, producer) and starts consuming; throws if Kafka is unreachable. */
  open(): Promise<Consumer>;
  /** Disconnects whatever open() created; must not throw. */
  close(): Promise<void>;
}

export interface StageRecoveryOptions {
  firstDelayMs: number;
  maxDelayMs: number;
  log: (message: string) => void;
}

const DEFAULT_OPTIONS: StageRecoveryOptions = {
  firstDelayMs: 1_000,
  maxDelayMs: 10_000,
  log: (message) => void process.stderr.write(`weft ingest: ${message}\n`),
};

/**
 * Keeps a Kafka stage consuming for the life of the process. kafkajs
 * restarts a crashed consumer only after errors it deems retriable; after
 * any other (a broker down for longer than the client's retries, a
 * transactional producer left in a state it cannot leave) the consumer stays
 * stopped while the process lives on, and the pipeline silently stops. Here
 * such a crash rebuilds the stage from scratch (new clients, state rebuilt
 * from committed offsets), retried with backoff until Kafka answers, and
 * each rebuild is counted.
 */
export class StageRecovery {
  private stopping = false;
  private recovering: Promise<void> | null = null;
  /** Whether the current consumer is a member of its group (joined, not since crashed, stopped or disconnected). */
  private member = false;
  private current: Consumer | null = null;
  private readonly options: StageRecoveryOptions;

  constructor(
    private readonly stage: RecoverableStage,
    private readonly metrics: IngestMetrics,
    options: Partial<StageRecoveryOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** The first open fails loudly (a broker unreachable at start-up is a configuration problem). */
  async start(): Promise<void> {
    this.watch(await this.stage.open());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.recovering;
    await this.stage.close();
  }

  /** For /healthz: consuming in its group, or why not. */
  get state(): { joined: boolean; rebuilding: boolean } {
    return { joined: this.member && !this.recovering, rebuilding: this.recovering !== null };
  }

  /**
   * The stage found itself unable to go on (a partition it cannot take):
   * rebuilt like after a crash kafkajs does not restart, counted the same way.
   */
  restart(cause: Error): void {
    if (this.stopping || this.recovering) return;
    this.member = false;
    this.recovering = this.rebuild(cause).finally(() => {
      this.recovering = null;
    });
  }

  private watch(consumer: Consumer): void {
    this.current = consumer;
    const mine = (): boolean => this.current === consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (mine()) this.member = true;
    });
    for (const left of [consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(left, () => {
        if (mine()) this.member = false;
      });
    }
    consumer.on(consumer.events.CRASH, (event) => {
      if (mine()) this.member = false;
      if (event.payload.restart || this.stopping || this.recovering) return;
      this.recovering = this.rebuild(event.payload.error).finally(() => {
        this.recovering = null;
      });
    });
  }

  private async rebuild(cause: Error): Promise<void> {
    this.metrics.stageRestarts.inc({ stage: this.stage.name });
    this.options.log(`${this.stage.name} stage stopped (${cause.name}: ${cause.message}); rebuilding it`);
    let delay = this.options.firstDelayMs;
    while (!this.stopping) {
      await this.stage.close();
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.stopping) return;
      try {
        this.watch(await this.stage.open());
        this.options.log(`${this.stage.name} stage consuming again`);
        return;
      } catch (err) {
        this.options.log(`${this.stage.name} stage: Kafka not reachable yet (${(err as Error).message}); retrying in ${delay} ms`);
        delay = Math.min(delay * 2, this.options.maxDelayMs);
      }
    }
  }
}
