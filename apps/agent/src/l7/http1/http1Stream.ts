import { httpOutcome, type CallBytes, type CompletedRequest, type L7Stream, type ParserCounters } from '../l7Types.js';
import { looksLikeMessageStart, type Http1Head } from './http1Head.js';
import { Http1MessageReader, type BodyFraming, type MessageHandler } from './http1MessageReader.js';
import type { RouteTable } from './routeTemplate.js';
import { CONNECT_ROUTE, reportedMethod } from '../httpMethod.js';

/** Requests written ahead of their responses (pipelining) held at most; beyond, the oldest is dropped (counted). */
const MAX_PIPELINE = 64;

interface WaitingRequest {
  method: string;
  route: string;
  startNs: bigint;
}

/**
 * One HTTP/1 connection seen from one end: pairs each request with its
 * response in order (keep-alive and pipelining), and times it from the
 * call that carried the request's first byte to the call that carried the
 * response's last. The end's role comes from which way the first message
 * went: whoever sends a request line is the client.
 */
export class Http1Stream implements L7Stream {
  private role: 'client' | 'server' | null = null;
  private readonly waiting: WaitingRequest[] = [];
  private readonly requests: Http1MessageReader;
  private readonly responses: Http1MessageReader;
  private status = 0;
  private interim = false;
  private upgradeAsked = false;
  private stopped = false;

  constructor(
    private readonly routes: RouteTable,
    private readonly counters: ParserCounters,
    private readonly emit: (request: CompletedRequest) => void,
  ) {
    const requestHandler: MessageHandler = {
      onHead: (head, tsNs) => this.onRequestHead(head, tsNs),
      onEnd: () => {},
    };
    const responseHandler: MessageHandler = {
      onHead: (head, tsNs) => this.onResponseHead(head, tsNs),
      onEnd: (tsNs) => this.onResponseEnd(tsNs),
    };
    this.requests = new Http1MessageReader(requestHandler, counters);
    this.responses = new Http1MessageReader(responseHandler, counters);
  }

  /** The end's role, once its first message was seen. */
  get side(): 'client' | 'server' | null {
    return this.role;
  }

  push(direction: 'send' | 'recv', call: CallBytes): void {
    if (this.stopped) return;
    if (this.role === null && !this.learnRole(direction, call)) return;
    const requestDirection = this.role === 'client' ? 'send' : 'recv';
    (direction === requestDirection ? this.requests : this.responses).read(call);
  }

  /**
   * Calls of the connection were lost: the requests waiting are given up
   * (counted, not reported: their outcome is unknown) and both directions
   * wait for the next message start.
   */
  lose(): void {
    this.counters.requestsLost += this.waiting.length;
    this.waiting.length = 0;
    this.interim = false;
    this.requests.resync();
    this.responses.resync();
  }

  /**
   * A request the kernel framed and timed from `startNs`, handed over when
   * the connection left the kernel's framing: it waits for its response
   * here, the next call of its direction after `bodyRemaining` bytes of its
   * body starting the next request. The kernel knows this end's role.
   */
  adopt(role: 'client' | 'server', method: string, route: string, startNs: bigint, bodyRemaining: number): void {
    if (this.stopped) return;
    this.role ??= role;
    if (this.waiting.length >= MAX_PIPELINE) {
      this.waiting.shift();
      this.counters.pipelineOverflows += 1;
    }
    this.waiting.push({ method, route, startNs });
    this.requests.skipBody(bodyRemaining);
  }

  /** The connection closed: a close-delimited response ends, requests still waiting end unanswered. */
  close(): void {
    this.responses.close();
    this.requests.close();
    for (const request of this.waiting.splice(0)) {
      this.emit({ protocol: 'http1', method: request.method, route: request.route, status: null, outcome: 'error', durationUs: null });
    }
    this.stopped = true;
  }

  private learnRole(direction: 'send' | 'recv', call: CallBytes): boolean {
    if (call.gap) return false;
    const text = call.head.toString('latin1', 0, Math.min(call.head.length, 64));
    if (!looksLikeMessageStart(text)) {
      this.counters.desyncs += 1;
      return false;
    }
    const isResponse = text.startsWith('HTTP/');
    // Sending a request, or receiving a response, makes this end the client.
    this.role = isResponse === (direction === 'recv') ? 'client' : 'server';
    return true;
  }

  private onRequestHead(head: Http1Head, tsNs: bigint): BodyFraming {
    if (head.kind !== 'request') {
      this.counters.desyncs += 1;
      return { kind: 'none' };
    }
    if (this.waiting.length >= MAX_PIPELINE) {
      this.waiting.shift();
      this.counters.pipelineOverflows += 1;
    }
    const method = reportedMethod(head.method);
    this.waiting.push({ method, route: method === 'CONNECT' ? CONNECT_ROUTE : this.routes.routeOf(head.target), startNs: tsNs });
    if (head.framing.upgrade) this.upgradeAsked = true;
    if (head.framing.chunked) return { kind: 'chunked' };
    if (head.framing.contentLength !== null) return { kind: 'length', bytes: head.framing.contentLength };
    // A request without either has no body (RFC 9112 6.3).
    return { kind: 'none' };
  }

  private onResponseHead(head: Http1Head, tsNs: bigint): BodyFraming {
    if (head.kind !== 'response') {
      this.counters.desyncs += 1;
      return { kind: 'none' };
    }
    this.status = head.status;
    const request = this.waiting[0];
    const switched = (head.status === 101 && this.upgradeAsked) || (request?.method === 'CONNECT' && head.status >= 200 && head.status < 300);
    if (switched) {
      // The request completes with this response; what follows is not HTTP/1.
      this.interim = false;
      this.complete(tsNs);
      this.counters.upgrades += 1;
      this.stopped = true;
      this.requests.stop();
      return { kind: 'opaque' };
    }
    // 1xx (100 Continue, 103 Early Hints) precede the final response.
    this.interim = head.status >= 100 && head.status < 200;
    if (this.interim) return { kind: 'none' };
    if (request?.method === 'HEAD' || head.status === 204 || head.status === 304) return { kind: 'none' };
    if (head.framing.chunked) return { kind: 'chunked' };
    if (head.framing.contentLength !== null) return { kind: 'length', bytes: head.framing.contentLength };
    return { kind: 'until-close' };
  }

  private onResponseEnd(tsNs: bigint): void {
    if (this.interim) {
      this.interim = false;
      return;
    }
    this.complete(tsNs);
  }

  private complete(tsNs: bigint): void {
    const request = this.waiting.shift();
    if (!request) {
      this.counters.orphanResponses += 1;
      return;
    }
    const durationUs = tsNs > request.startNs ? Number((tsNs - request.startNs) / 1000n) : 0;
    this.emit({ protocol: 'http1', method: request.method, route: request.route, status: this.status, outcome: httpOutcome(this.status), durationUs });
  }
}
