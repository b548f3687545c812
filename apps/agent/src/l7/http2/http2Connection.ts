import type { RouteTable } from '../http1/routeTemplate.js';
import { CONNECT_ROUTE, reportedMethod } from '../httpMethod.js';
import { UNKNOWN_METHOD, UNKNOWN_ROUTE, type CompletedRequest, type L7Stream, type ParsedCall, type ParserCounters } from '../l7Types.js';
import { Flag, FrameType, Setting } from './http2Frame.js';
import { Http2FrameReader, type Http2Frame } from './http2FrameReader.js';
import { Http2HeaderBlocks, type HeaderBlock } from './http2HeaderBlocks.js';
import { isGrpc, statusCode, streamOutcome, type ResponseState } from './http2Outcome.js';

type Direction = 'send' | 'recv';

/** Streams followed at once per connection; beyond, the oldest is given up (counted). */
export const MAX_OPEN_STREAMS = 512;

interface OpenStream extends ResponseState {
  id: number;
  /** The direction its first HEADERS came in: the request's, the client's. */
  opener: Direction;
  method: string;
  route: string;
  /** The request's headers were read (else method and route are unknown). */
  known: boolean;
  startTsNs: bigint;
}

interface Side {
  reader: Http2FrameReader;
  blocks: Http2HeaderBlocks;
}

const other = (direction: Direction): Direction => (direction === 'send' ? 'recv' : 'send');

/**
 * One HTTP/2 connection seen from one end: frames read per direction, header
 * blocks decoded per direction, streams paired by id. A request is a
 * client-initiated (odd) stream: it starts at the call carrying its HEADERS
 * and completes at the call carrying the END_STREAM of the other side (or a
 * RST_STREAM from either: an error). What the parser could not read (a
 * connection older than the agent, a lost call, lost framing) leaves the
 * HPACK state unknown: streams are still counted and timed, with method,
 * route or outcome unknown.
 *
 * The end's role: the direction the client preface went, else the headers
 * (`:method` is sent by the client, `:status` by the server), else the first
 * stream seen both ways (its first HEADERS were the request's).
 */
export class Http2Connection implements L7Stream {
  private role: 'client' | 'server' | null = null;
  private sides: Record<Direction, Side> | null = null;
  private readonly streams = new Map<number, OpenStream>();
  private stopped = false;

  constructor(
    private readonly routes: RouteTable,
    private readonly counters: ParserCounters,
    private readonly emit: (request: CompletedRequest) => void,
  ) {}

  /** The end's role, once known. */
  get side(): 'client' | 'server' | null {
    return this.role;
  }

  push(direction: Direction, call: ParsedCall): void {
    if (this.stopped) return;
    this.sides ??= { send: this.sideOf('send', !call.predates), recv: this.sideOf('recv', !call.predates) };
    this.sides[direction].reader.read(call);
  }

  lose(): void {
    if (!this.sides) return;
    for (const direction of ['send', 'recv'] as const) {
      this.sides[direction].reader.resync();
      this.sides[direction].blocks.giveUp();
    }
    this.giveUpStreams();
  }

  close(): void {
    // Streams the connection closed on unanswered: errors, as in HTTP/1, when they are surely requests.
    for (const stream of this.streams.values()) {
      if (this.role === null) this.counters.requestsLost += 1;
      else this.report(stream, null, 'error', null);
    }
    this.streams.clear();
    this.stopped = true;
  }

  private sideOf(direction: Direction, atStart: boolean): Side {
    const reader = new Http2FrameReader(
      {
        onFrame: (frame) => this.onFrame(direction, frame),
        onFramingLost: () => this.onFramingLost(direction),
        onPreface: () => this.learnRole(direction === 'send' ? 'client' : 'server'),
      },
      this.counters,
      atStart,
    );
    return { reader, blocks: new Http2HeaderBlocks(this.counters, atStart) };
  }

  private onFrame(direction: Direction, frame: Http2Frame): void {
    const side = (this.sides as Record<Direction, Side>)[direction];
    if (frame.type === FrameType.HEADERS || frame.type === FrameType.PUSH_PROMISE || frame.type === FrameType.CONTINUATION) {
      const block = side.blocks.onFrame(frame);
      if (block) this.onBlock(direction, block);
      return;
    }
    side.blocks.interrupt();
    switch (frame.type) {
      case FrameType.DATA:
        if ((frame.flags & Flag.END_STREAM) !== 0) this.onEndStream(direction, frame.streamId, frame.endTsNs);
        return;
      case FrameType.RST_STREAM: {
        const stream = this.streams.get(frame.streamId);
        if (stream) this.report(stream, frame.endTsNs, 'error', stream.status);
        return;
      }
      case FrameType.SETTINGS:
        if ((frame.flags & Flag.ACK) === 0 && frame.payload) this.onSettings(direction, frame.payload);
        return;
    }
  }

  /** The sender of `direction` says what it accepts: limits on what the other direction carries. */
  private onSettings(direction: Direction, payload: Buffer): void {
    const to = (this.sides as Record<Direction, Side>)[other(direction)];
    for (let at = 0; at + 6 <= payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      if (id === Setting.HEADER_TABLE_SIZE) to.blocks.setMaxTableSize(value);
      else if (id === Setting.MAX_FRAME_SIZE) to.reader.setMaxFrameSize(value);
    }
  }

  private onBlock(direction: Direction, block: HeaderBlock): void {
    // Pushed streams (even ids, announced by PUSH_PROMISE) are the server's, not requests.
    if (block.promise || block.streamId % 2 === 0) return;
    const fields = block.fields;
    if (this.role === null && fields) {
      if (fields.method !== undefined) this.learnRole(direction === 'send' ? 'client' : 'server');
      else if (fields.status !== undefined) this.learnRole(direction === 'send' ? 'server' : 'client');
    }
    const stream = this.streams.get(block.streamId);
    if (!stream) {
      if (this.role !== null && direction !== this.requestDirection()) {
        this.counters.orphanResponses += 1;
        return;
      }
      this.open(direction, block);
      return;
    }
    // More headers of the request (trailers of a client stream): nothing to measure.
    if (direction === stream.opener) return;
    if (this.role === null) this.learnRole(direction === 'send' ? 'server' : 'client');
    if (fields === null) stream.unreadable = true;
    else {
      const status = statusCode(fields.status);
      // 1xx (100 Continue, 103 Early Hints) precede the final response.
      if (status !== null && status >= 200) stream.status = status;
      if (fields.grpcStatus !== undefined) stream.grpcStatus = statusCode(fields.grpcStatus) ?? -1;
      if (isGrpc(fields.contentType)) stream.grpc = true;
    }
    if (block.endStream) this.report(stream, block.endTsNs, streamOutcome(stream), stream.status);
  }

  private onEndStream(direction: Direction, streamId: number, tsNs: bigint): void {
    const stream = this.streams.get(streamId);
    if (stream && direction !== stream.opener) this.report(stream, tsNs, streamOutcome(stream), stream.status);
  }

  private open(direction: Direction, block: HeaderBlock): void {
    if (this.streams.size >= MAX_OPEN_STREAMS) {
      const oldest = this.streams.keys().next().value;
      if (oldest !== undefined) this.streams.delete(oldest);
      this.counters.streamOverflows += 1;
    }
    const fields = block.fields;
    const known = fields !== null && fields.method !== undefined && fields.path !== undefined;
    const method = known ? reportedMethod(fields.method as string) : UNKNOWN_METHOD;
    const route = !known ? UNKNOWN_ROUTE : method === 'CONNECT' ? CONNECT_ROUTE : this.routes.routeOf(fields.path as string);
    this.streams.set(block.streamId, {
      id: block.streamId, opener: direction, method, route, known, startTsNs: block.startTsNs,
      grpc: isGrpc(fields?.contentType), status: null, grpcStatus: null, unreadable: false,
    });
  }

  private report(stream: OpenStream, endTsNs: bigint | null, outcome: CompletedRequest['outcome'], status: number | null): void {
    this.streams.delete(stream.id);
    if (!stream.known || outcome === 'unknown') this.counters.stateUnknown += 1;
    const durationUs = endTsNs === null ? null : endTsNs > stream.startTsNs ? Number((endTsNs - stream.startTsNs) / 1000n) : 0;
    this.emit({ protocol: stream.grpc ? 'grpc' : 'http2', method: stream.method, route: stream.route, status, outcome, durationUs });
  }

  private requestDirection(): Direction {
    return this.role === 'client' ? 'send' : 'recv';
  }

  private learnRole(role: 'client' | 'server'): void {
    if (this.role !== null) return;
    this.role = role;
    // Streams first seen from the server's side were answers to requests before our time.
    const requests = this.requestDirection();
    for (const [id, stream] of this.streams) {
      if (stream.opener === requests) continue;
      this.streams.delete(id);
      this.counters.orphanResponses += 1;
    }
  }

  /** Frames of `direction` were missed: its HPACK state, and what the open streams were waiting for, with them. */
  private onFramingLost(direction: Direction): void {
    (this.sides as Record<Direction, Side>)[direction].blocks.giveUp();
    this.giveUpStreams();
  }

  /** Open streams' outcome is unknown (their end may be among what was missed): given up, counted, not reported. */
  private giveUpStreams(): void {
    this.counters.requestsLost += this.streams.size;
    this.streams.clear();
  }
}
