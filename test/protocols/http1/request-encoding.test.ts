// The request encoder: the exact bytes of a head, the framing it picks for each kind of body,
// header forms undici accepts, and the requests it refuses.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import test from 'node:test';
import type { Dispatcher } from 'undici';
import { Http1Request } from '../../../src/protocols/http1/http1-request.ts';
import { encodeRequest } from '../../../src/protocols/http1/request-encoding.ts';

function encode(options: Partial<Dispatcher.DispatchOptions>): Http1Request {
  const wire = new Http1Request({});
  const error = encodeRequest({ method: 'GET', path: '/', ...options }, '10.0.0.1:8080', wire);
  if (error !== undefined) throw error;
  return wire;
}

test('a GET: request line, the headers as given, Host from the origin when absent, keep-alive, no body framing', () => {
  const wire = encode({ path: '/a?b=c', headers: { 'X-Trace': 'abc', accept: '*/*' } });
  assert.equal(wire.head, 'GET /a?b=c HTTP/1.1\r\nX-Trace: abc\r\naccept: */*\r\nhost: 10.0.0.1:8080\r\nconnection: keep-alive\r\n\r\n');
  assert.equal(wire.whole, undefined);
  assert.equal(wire.isHead, false);
});

test('header forms: an object with arrays and numbers, a flat array, an iterable of pairs; undefined values skipped', () => {
  const expected = 'GET / HTTP/1.1\r\nhost: h\r\nx-a: 1\r\nx-a: 2\r\nx-n: 7\r\nconnection: keep-alive\r\n\r\n';
  assert.equal(encode({ headers: { host: 'h', 'x-a': ['1', '2'], 'x-n': 7 as unknown as string, 'x-u': undefined } }).head, expected);
  assert.equal(encode({ headers: ['host', 'h', 'x-a', '1', 'x-a', '2', 'x-n', '7'] }).head, expected);
  assert.equal(encode({ headers: new Map<string, string | string[]>([['host', 'h'], ['x-a', ['1', '2']], ['x-n', '7']]) as unknown as Dispatcher.DispatchOptions['headers'] }).head, expected);
});

test('a small body is laid beside the head in one buffer with its content-length (UTF-8 for strings)', () => {
  const wire = encode({ method: 'POST', headers: { host: 'h' }, body: 'héllo' });
  assert.equal(wire.head, 'POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 6\r\nconnection: keep-alive\r\n\r\n');
  assert.deepEqual(wire.whole, Buffer.concat([Buffer.from(wire.head, 'latin1'), Buffer.from('héllo')]));
});

test('a large body goes after the head, not copied; an empty POST says content-length: 0; an empty GET says nothing', () => {
  const big = new Uint8Array(20_000);
  const wire = encode({ method: 'PUT', headers: { host: 'h' }, body: big });
  assert.match(wire.head, /content-length: 20000\r\n/);
  assert.equal(wire.whole, undefined);
  assert.equal(wire.tail, big);
  assert.match(encode({ method: 'POST', body: null }).head, /content-length: 0\r\n/);
  assert.doesNotMatch(encode({ method: 'GET', body: '' }).head, /content-length/);
  assert.match(encode({ method: 'GET', headers: { 'content-length': '0' } }).head, /content-length: 0\r\n/);
});

test('a stream body is chunked unless the headers give a content-length; connection: close is kept; HEAD is marked', () => {
  const chunked = encode({ method: 'POST', body: Readable.from(['x']) });
  assert.match(chunked.head, /transfer-encoding: chunked\r\n/);
  assert.equal(chunked.streamLength, -1);
  const sized = encode({ method: 'POST', headers: { 'Content-Length': '12' }, body: Readable.from(['x']) });
  assert.match(sized.head, /content-length: 12\r\n/);
  assert.doesNotMatch(sized.head, /Content-Length/);
  assert.equal(sized.streamLength, 12);
  const closing = encode({ headers: { Connection: 'close' } });
  assert.match(closing.head, /\r\nconnection: close\r\n\r\n$/);
  assert.equal(closing.closeRequested, true);
  assert.equal(encode({ method: 'HEAD' }).isHead, true);
});

test('refused: CR, LF, NUL or non-latin1 in a value, bad names, connection-level headers the pool owns, a consumed stream, other body types', () => {
  const refuse = (options: Partial<Dispatcher.DispatchOptions>, pattern: RegExp): void => {
    const error = encodeRequest({ method: 'GET', path: '/', ...options }, 'h', new Http1Request({}));
    assert.ok(error !== undefined, JSON.stringify(options.headers));
    assert.equal(error.code, 'SIDELET_HTTP1_BAD_REQUEST');
    assert.match(error.message, pattern);
  };
  refuse({ headers: { a: 'x\ry' } }, /^request: the value of header "a" contains CR, LF, NUL/);
  refuse({ headers: { a: 'snow ☃' } }, /the value of header "a"/);
  refuse({ headers: { '': 'x' } }, /invalid header name ""/);
  refuse({ headers: { 'a:b': 'x' } }, /invalid header name "a:b"/);
  refuse({ headers: { connection: 'upgrade' } }, /header "connection" may only be "close" or "keep-alive"/);
  refuse({ headers: { 'Keep-Alive': 'timeout=5' } }, /header "keep-alive" is the pool's/);
  refuse({ headers: { upgrade: 'websocket' } }, /header "upgrade" is not supported/);
  refuse({ headers: { expect: '100-continue' } }, /header "expect" is not supported/);
  refuse({ headers: { 'content-length': 'abc' } }, /invalid content-length "abc"/);
  refuse({ headers: [['content-length', '1'], ['content-length', '2']].flat() }, /differing content-length headers/);
  refuse({ path: '' }, /invalid path ""/);
  refuse({ path: '/\u2603' }, /invalid path/);
  const consumed = Readable.from([]);
  consumed.destroy();
  refuse({ method: 'POST', body: consumed }, /already consumed or destroyed/);
  refuse({ method: 'POST', body: 42 as unknown as string }, /must be null, a string, a Uint8Array or a Readable/);
});
