import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { emptyParserCounters } from '../l7Types.js';
import { call } from '../testCalls.js';
import { FrameType } from './http2Frame.js';
import { Http2FrameReader, type Http2Frame } from './http2FrameReader.js';
import { data, frame, PREFACE, rst, settings } from './http2TestWire.js';

function reader(atStart = true): { r: Http2FrameReader; frames: Http2Frame[]; events: string[]; counters: ReturnType<typeof emptyParserCounters> } {
  const frames: Http2Frame[] = [];
  const events: string[] = [];
  const counters = emptyParserCounters();
  const r = new Http2FrameReader({ onFrame: (f) => frames.push(f), onFramingLost: () => events.push('lost'), onPreface: () => events.push('preface') }, counters, atStart);
  return { r, frames, events, counters };
}

const kinds = (frames: Http2Frame[]): string[] => frames.map((f) => `${f.type}/${f.streamId}/${f.length}${f.payload ? '+' : ''}`);

describe('Http2FrameReader', () => {
  it('skips the preface, reads a frame header that lies in the call\'s last 16 bytes, past the 512 copied', () => {
    const { r, frames, events, counters } = reader();
    r.read(call(Buffer.concat([PREFACE, settings([[1, 4096]]), data(1, 2000), rst(1)]), 1));
    assert.deepEqual(events, ['preface']);
    assert.deepEqual(kinds(frames), [`${FrameType.SETTINGS}/0/6+`, `${FrameType.DATA}/1/2000`, `${FrameType.RST_STREAM}/1/4+`]);
    assert.equal(counters.framingLost, 0);
  });

  it('times a frame from the call with its first byte to the call with its last', () => {
    const { r, frames } = reader();
    const bytes = data(3, 100, true);
    r.read(call(bytes.subarray(0, 4), 10));
    r.read(call(bytes.subarray(4, 50), 20));
    r.read(call(bytes.subarray(50), 30));
    assert.deepEqual(frames.map((f) => [f.streamId, f.startTsNs / 1_000_000n, f.endTsNs / 1_000_000n]), [[3, 10n, 30n]]);
  });

  it('once lost, takes up framing only at a call that is whole frames, not at one that starts inside a payload', () => {
    const { r, frames, events, counters } = reader(false);
    const two = Buffer.concat([data(1, 30), frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(4, 1))]);
    r.read(call(two.subarray(5), 1));
    r.read(call(Buffer.alloc(40, 0x00), 2));
    assert.equal(frames.length, 0);
    r.read(call(two, 3));
    assert.equal(counters.framingResyncs, 1);
    assert.deepEqual(kinds(frames), [`${FrameType.DATA}/1/30`, `${FrameType.WINDOW_UPDATE}/0/4`]);
    assert.deepEqual(events, [], 'joined lost: nothing was lost after the start');
  });
});
