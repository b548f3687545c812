import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseHttp1Head } from './http1Head.js';
import { Http1HeadCache } from './http1HeadCache.js';

describe('Http1HeadCache', () => {
  it('answers as parsing does, the second time from memory', () => {
    const cache = new Http1HeadCache();
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nTransfer-Encoding: chunked';
    const first = cache.parseComplete(text);
    assert.deepEqual(first, parseHttp1Head(text, true));
    assert.equal(cache.parseComplete(text), first);
  });

  it('is null for what is no message start, as the reader requires', () => {
    const cache = new Http1HeadCache();
    assert.equal(cache.parseComplete('hello\r\nContent-Length: 1'), null);
    assert.equal(cache.parseComplete('GET  HTTP/1.1'), null);
  });

  it('gives a long head its own parse, not remembered', () => {
    const cache = new Http1HeadCache();
    const text = `GET /${'a'.repeat(600)} HTTP/1.1\r\nHost: x`;
    const head = cache.parseComplete(text);
    assert.equal(head?.kind, 'request');
    assert.notEqual(cache.parseComplete(text), head);
    assert.deepEqual(cache.parseComplete(text), head);
  });
});
