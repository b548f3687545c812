import type { CallBytes } from '../l7Types.js';

/** Bytes of a message body kept at most (header, question and the first answers). */
const MAX_BODY_BYTES = 512;

/** A message of a TCP DNS stream: the first bytes of its body as copied, and when its last byte moved. */
export interface FramedMessage {
  bytes: Buffer;
  tsNs: bigint;
}

/**
 * Frames one direction of DNS over TCP (RFC 1035 4.2.2, RFC 7766): every
 * message is a 2-byte length and that many bytes. A call may hold several
 * messages, a part of one, or only its length (resolvers read the length
 * first, then the body). A length the kernel did not copy loses the framing
 * (counted by the caller); it is taken up again at the next call, as the
 * start of a message (writers send a message per call).
 */
export class DnsTcpFramer {
  private lengthBytes: number[] = [];
  /** Body bytes of the current message still to come; 0 between messages. */
  private bodyLeft = 0;
  /** The body's bytes copied so far, while they are contiguous (a call's uncopied bytes end them). */
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private bodyCut = false;
  private lost = false;

  /** The messages that end in this call; `onLost` when its framing could not be followed. */
  feed(call: CallBytes, onLost: () => void): FramedMessage[] {
    if (this.lost) this.reset();
    const messages: FramedMessage[] = [];
    const head = call.head;
    let pos = 0;
    while (pos < call.length) {
      if (this.bodyLeft === 0) {
        if (pos >= head.length) {
          this.lost = true;
          onLost();
          return messages;
        }
        this.lengthBytes.push(head[pos] as number);
        pos += 1;
        if (this.lengthBytes.length === 2) {
          this.bodyLeft = ((this.lengthBytes[0] as number) << 8) | (this.lengthBytes[1] as number);
          this.lengthBytes = [];
          this.startBody();
        }
        continue;
      }
      const take = Math.min(this.bodyLeft, call.length - pos);
      // The body's start is all a message needs (header, question, answers as far as copied).
      if (!this.bodyCut && this.bodyBytes < MAX_BODY_BYTES) {
        const copied = head.subarray(Math.min(pos, head.length), Math.min(head.length, pos + take, pos + MAX_BODY_BYTES - this.bodyBytes));
        this.body.push(Buffer.from(copied));
        this.bodyBytes += copied.length;
        if (copied.length < Math.min(take, MAX_BODY_BYTES)) this.bodyCut = true;
      }
      this.bodyLeft -= take;
      pos += take;
      if (this.bodyLeft === 0) {
        messages.push({ bytes: Buffer.concat(this.body), tsNs: call.tsNs });
        this.startBody();
      }
    }
    return messages;
  }

  reset(): void {
    this.lengthBytes = [];
    this.bodyLeft = 0;
    this.startBody();
    this.lost = false;
  }

  private startBody(): void {
    this.body = [];
    this.bodyBytes = 0;
    this.bodyCut = false;
  }
}
