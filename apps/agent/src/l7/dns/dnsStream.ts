import type { RouteTable } from '../http1/routeTemplate.js';
import { UNKNOWN_ROUTE, type CompletedRequest, type L7Stream, type ParsedCall, type ParserCounters, type RequestOutcome } from '../l7Types.js';
import { parseDnsMessage, type DnsAnswer, type DnsQuestion } from './dnsMessage.js';
import { dnsMethodOf, dnsRouteOf } from './dnsRoute.js';
import { DnsTcpFramer } from './dnsTcpFramer.js';

/** How long a query waits for its response before it counts as an error (a resolver's usual 5 s timeout). */
export const DNS_QUERY_TIMEOUT_NS = 5_000_000_000n;
/** Queries one socket has waiting at most; beyond, a query is not waited for (counted). */
export const DNS_MAX_PENDING = 256;

/** Told the answers of each response (the agent's answer cache: external endpoints by name). */
export type DnsAnswerListener = (question: DnsQuestion, answers: readonly DnsAnswer[], tsNs: bigint) => void;

/** rcode 0 is an answer, NXDOMAIN (3) the caller's error (the name does not exist: counted apart, as HTTP 4xx), any other a server error. */
export function dnsOutcome(rcode: number | null): RequestOutcome {
  if (rcode === null) return 'error';
  if (rcode === 0) return 'ok';
  return rcode === 3 ? 'client_error' : 'error';
}

interface WaitingQuery {
  question: DnsQuestion | null;
  sentNs: bigint;
}

/**
 * The DNS exchanges of one socket: a UDP flow (each call one datagram) or a
 * TCP connection (length-prefixed messages, framed per direction). A query
 * (QR 0) waits by transaction id for the response (QR 1) with the same id,
 * whichever end of the exchange the socket is; the request's duration is
 * from the query's send to the response's receive (a server's: from its
 * receive to its send), its status the response code, its method the query
 * type and its route the query name (dnsRouteOf, bounded by the route table).
 * A query unanswered after DNS_QUERY_TIMEOUT_NS, or when its TCP connection
 * closes, is an error.
 */
export class DnsStream implements L7Stream {
  private readonly waiting = new Map<number, WaitingQuery>();
  private readonly framers: { send: DnsTcpFramer; recv: DnsTcpFramer } | null;

  constructor(
    transport: 'udp' | 'tcp',
    private readonly routes: RouteTable,
    private readonly counters: ParserCounters,
    private readonly emit: (request: CompletedRequest) => void,
    private readonly onAnswers: DnsAnswerListener | null,
    private readonly timeoutNs: bigint = DNS_QUERY_TIMEOUT_NS,
  ) {
    this.framers = transport === 'tcp' ? { send: new DnsTcpFramer(), recv: new DnsTcpFramer() } : null;
  }

  push(direction: 'send' | 'recv', call: ParsedCall): void {
    if (this.framers === null) {
      this.message(call.head, call.tsNs);
      return;
    }
    for (const m of this.framers[direction].feed(call, () => (this.counters.desyncs += 1))) this.message(m.bytes, m.tsNs);
  }

  lose(): void {
    this.counters.requestsLost += this.waiting.size;
    this.waiting.clear();
    this.framers?.send.reset();
    this.framers?.recv.reset();
  }

  close(): void {
    for (const query of this.waiting.values()) this.unanswered(query);
    this.waiting.clear();
  }

  expire(nowNs: bigint): void {
    for (const [id, query] of this.waiting) {
      if (nowNs - query.sentNs < this.timeoutNs) continue;
      this.waiting.delete(id);
      this.counters.dnsTimeouts += 1;
      this.unanswered(query);
    }
  }

  /** Queries waiting for their response. */
  get waitingQueries(): number {
    return this.waiting.size;
  }

  private message(bytes: Buffer, tsNs: bigint): void {
    const m = parseDnsMessage(bytes);
    if (m === null) {
      this.counters.dnsMalformed += 1;
      return;
    }
    if (!m.response) {
      if (this.waiting.has(m.id)) {
        this.counters.dnsRetransmits += 1;
      } else if (this.waiting.size >= DNS_MAX_PENDING) {
        this.counters.dnsPendingOverflows += 1;
      } else {
        this.waiting.set(m.id, { question: m.question, sentNs: tsNs });
      }
      return;
    }
    const query = this.waiting.get(m.id);
    if (!query) {
      this.counters.orphanResponses += 1;
      return;
    }
    this.waiting.delete(m.id);
    const question = m.question ?? query.question;
    this.report(question, m.rcode, Math.max(0, Math.round(Number(tsNs - query.sentNs) / 1000)));
    if (question && m.answers.length > 0) this.onAnswers?.(question, m.answers, tsNs);
  }

  private unanswered(query: WaitingQuery): void {
    this.report(query.question, null, null);
  }

  private report(question: DnsQuestion | null, rcode: number | null, durationUs: number | null): void {
    this.emit({
      protocol: 'dns',
      method: dnsMethodOf(question?.type),
      route: question ? this.routes.admit(dnsRouteOf(question.name)) : UNKNOWN_ROUTE,
      status: rcode,
      outcome: dnsOutcome(rcode),
      durationUs,
    });
  }
}
