/**
 * The shop's load generator (its own pod, as in the usual demo shop): users
 * browsing the frontend, the request rate following the daily rhythm. Each
 * user has its own connections, as each browser does, so the frontend's
 * Service spreads them over its pods. A bounded number of requests in
 * flight: beyond it a request is dropped and counted, not queued. Every ten
 * seconds a stats line goes to the demo.
 */
import type { LoadRhythm } from '../demoTopology.js';
import { RequestPacer, rateAt, simulatedClock } from '../loadRhythm.js';
import { PRODUCTS } from '../shop/catalogData.js';
import type { HttpUpstream } from './httpUpstream.js';

const MAX_IN_FLIGHT = 64;
const TICK_MS = 50;
const STATS_EVERY_MS = 10_000;
const USERS = 40;

/** What users do, and how often (weights), as the usual shop load generator does. */
const ACTIONS: Array<{ weight: number; run: (frontend: HttpUpstream, user: string) => Promise<unknown> }> = [
  { weight: 10, run: (f, u) => f.call('GET', `/?user=${u}`) },
  { weight: 3, run: (f, u) => f.call('POST', `/setCurrency?user=${u}`, { currency: 'EUR' }) },
  { weight: 35, run: (f, u) => f.call('GET', `/product/${pickProduct()}?user=${u}`) },
  { weight: 17, run: (f, u) => f.call('POST', `/cart?user=${u}`, { product: pickProduct() }) },
  { weight: 15, run: (f, u) => f.call('GET', `/cart?user=${u}`) },
  { weight: 10, run: (f, u) => f.call('POST', `/checkout?user=${u}`, {}) },
];
const TOTAL_WEIGHT = ACTIONS.reduce((sum, a) => sum + a.weight, 0);

function pickProduct(): string {
  return (PRODUCTS[Math.floor(Math.random() * PRODUCTS.length)] as (typeof PRODUCTS)[number]).id;
}

function pickAction(): (typeof ACTIONS)[number] {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const action of ACTIONS) {
    roll -= action.weight;
    if (roll < 0) return action;
  }
  return ACTIONS[0] as (typeof ACTIONS)[number];
}

export interface LoadStats {
  event: 'stats';
  /** The simulated time of day. */
  clock: string;
  targetRps: number;
  /** Requests answered per second over the last period, and how many of them failed. */
  answeredRps: number;
  failedShare: number;
  /** Requests not sent because MAX_IN_FLIGHT were still waiting. */
  dropped: number;
  inFlight: number;
}

export class LoadGenerator {
  private ticker: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private answered = 0;
  private failed = 0;
  private dropped = 0;
  private startedAtMs = 0;
  private lastStatsMs = 0;

  constructor(
    /** The frontend as one user reaches it (its own connections). */
    private readonly frontendFor: (user: string) => HttpUpstream,
    private readonly rhythm: LoadRhythm,
    private readonly emit: (stats: LoadStats) => void,
  ) {}

  start(): void {
    if (this.ticker) return;
    this.startedAtMs = Date.now();
    this.lastStatsMs = this.startedAtMs;
    const pacer = new RequestPacer(this.rhythm, this.startedAtMs);
    this.ticker = setInterval(() => {
      for (let due = pacer.due(Date.now()); due > 0; due--) this.send();
    }, TICK_MS);
    this.statsTimer = setInterval(() => this.report(), STATS_EVERY_MS);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.ticker = null;
    this.statsTimer = null;
  }

  private send(): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.dropped++;
      return;
    }
    this.inFlight++;
    const user = `u${1 + Math.floor(Math.random() * USERS)}`;
    pickAction()
      .run(this.frontendFor(user), user)
      .then(
        () => this.answered++,
        () => {
          this.answered++;
          this.failed++;
        },
      )
      .finally(() => this.inFlight--);
  }

  private report(): void {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.lastStatsMs) / 1000);
    this.emit({
      event: 'stats',
      clock: simulatedClock(this.rhythm, now - this.startedAtMs),
      targetRps: Number(rateAt(this.rhythm, now - this.startedAtMs).toFixed(1)),
      answeredRps: Number((this.answered / seconds).toFixed(1)),
      failedShare: this.answered === 0 ? 0 : Number((this.failed / this.answered).toFixed(3)),
      dropped: this.dropped,
      inFlight: this.inFlight,
    });
    this.lastStatsMs = now;
    this.answered = 0;
    this.failed = 0;
    this.dropped = 0;
  }
}
