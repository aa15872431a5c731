// The HTTP/1.1 response head parser: status lines, fields, framing and connection rules of
// RFC 9112, errors that name the byte, and the 64 KiB bound.
import assert from 'node:assert/strict';
import test from 'node:test';
import { parseResponseHead } from '../../../src/protocols/http1/response-head.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

test('a status line and fields: lower-cased names, trimmed values, repeated fields joined, headEnd after CRLFCRLF', () => {
  const text = 'HTTP/1.1 200 OK\r\nContent-Type:  text/plain \r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\nContent-Length: 5\r\n\r\nhello';
  const head = parseResponseHead(bytes(text), 0)!;
  assert.equal(head.status, 200);
  assert.equal(head.reason, 'OK');
  assert.equal(head.version, 11);
  assert.deepEqual(Object.fromEntries(head.headers), { 'content-type': 'text/plain', 'set-cookie': 'a=1, b=2', 'x-empty': '', 'content-length': '5' });
  assert.equal(head.headEnd, text.length - 5);
  assert.equal(head.contentLength, 5);
  assert.equal(head.chunked, false);
  assert.equal(head.connectionClose, false);
  assert.equal(head.keepAliveTimeoutMs, undefined);
});

test('a head starting at an offset; a status line without a reason phrase; interior whitespace kept', () => {
  const text = 'junkHTTP/1.1 204\r\nX-A: one  two\r\n\r\n';
  const head = parseResponseHead(bytes(text), 4)!;
  assert.equal(head.status, 204);
  assert.equal(head.reason, undefined);
  assert.equal(head.headers.get('x-a'), 'one  two');
  assert.equal(head.headEnd, text.length);
});

test('incomplete heads are undefined, at every length short of the end', () => {
  const text = 'HTTP/1.1 200 OK\r\nA: b\r\n\r\n';
  for (let n = 0; n < text.length; n++) assert.equal(parseResponseHead(bytes(text.slice(0, n)), 0), undefined, `length ${n}`);
});

test('bare LF ends lines (RFC 9112 §2.2); a bare CR is an error', () => {
  const head = parseResponseHead(bytes('HTTP/1.1 200 OK\nA: b\n\n'), 0)!;
  assert.equal(head.headers.get('a'), 'b');
  assert.equal(head.headEnd, 22);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n'), 0), /response head: bare CR at byte 21/);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nA: b\r\r\n\r\n'), 0), /bare CR at byte 21/);
});

test('errors name the fault and the byte', () => {
  const cases: [string, RegExp][] = [
    ['HTTP/1.1 200 OK\r\nGood: 1\r\nBad Name: x\r\n\r\n', /response head: whitespace between a field name and its colon at byte 29/],
    ['HTTP/1.1 200 OK\r\nGood: 1\r\nBa(d: x\r\n\r\n', /response head: invalid field name at byte 28/],
    ['HTTP/1.1 200 OK\r\nA: 1\r\n continued\r\n\r\n', /obsolete line folding or whitespace before a field name at byte 23/],
    ['HTTP/1.1 200 OK\r\n\tA: 1\r\n\r\n', /obsolete line folding/],
    ['HTTP/1.1 200 OK\r\n: 1\r\n\r\n', /empty field name at byte 17/],
    ['HTTP/1.1 200 OK\r\nNoColon\r\n\r\n', /field line without a colon at byte 24/],
    ['HTTP/1.1 200 OK\r\nA: x\x00y\r\n\r\n', /invalid character 0x00 in the value of "a"/],
    ['HTTP/2.0 200 OK\r\n\r\n', /not an HTTP\/1.x version at byte 5/],
    ['HTTP/1.1 20 OK\r\n\r\n', /invalid status code at byte 9/],
    ['HTTP/1.1 099 OK\r\n\r\n', /invalid status code at byte 9/],
    ['HTTP/1.1 200OK\r\n\r\n', /expected a space after the status code at byte 12/],
    ['HTTP/1.1  200 OK\r\n\r\n', /invalid status code/],
    ['HTTP/1.1 200 O\x01K\r\n\r\n', /invalid character in the reason phrase at byte 14/],
    ['GET / HTTP/1.1\r\n\r\n', /not an HTTP\/1.x status line at byte 0/],
    ['HTTX', /not an HTTP\/1.x status line at byte 3/],
    ['HTTP/1.1 200\r\n\r\n'.slice(0, 10) + '\r\n\r\n', /status line too short/],
  ];
  for (const [text, expected] of cases) assert.throws(() => parseResponseHead(bytes(text), 0), expected, JSON.stringify(text));
});

test('a head over 64 KiB is an error, complete or not; just under it parses', () => {
  const big = 'x'.repeat(64 * 1024);
  assert.throws(() => parseResponseHead(bytes(`HTTP/1.1 200 OK\r\nA: ${big}\r\n\r\n`), 0), /response head: larger than 65536 bytes/);
  assert.throws(() => parseResponseHead(bytes(`HTTP/1.1 200 OK\r\nA: ${big}`), 0), /larger than 65536 bytes/);
  assert.throws(() => parseResponseHead(bytes(`HTTP/1.1 200 OK${big}`), 0), /larger than 65536 bytes/);
  const fits = `HTTP/1.1 200 OK\r\nA: ${'x'.repeat(64 * 1024 - 30)}\r\n\r\n`;
  assert.equal(parseResponseHead(bytes(fits), 0)!.headEnd, fits.length);
});

test('framing: Content-Length, repeated equal values, differing values, both with Transfer-Encoding', () => {
  assert.equal(parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n'), 0)!.contentLength, 7);
  const repeated = parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n'), 0)!;
  assert.equal(repeated.contentLength, 5);
  assert.equal(repeated.headers.get('content-length'), '5');
  assert.equal(parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n'), 0)!.contentLength, 5);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n'), 0), /differing Content-Length values "5, 6"/);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'), 0), /invalid Content-Length "-1"/);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n'), 0), /invalid Content-Length/);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999\r\n\r\n'), 0), /Content-Length too large/);
  assert.throws(
    () => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'), 0),
    /both Content-Length and Transfer-Encoding/,
  );
});

test('framing: chunked last is chunked; another coding last runs until the close; chunked twice or in HTTP/1.0 is an error', () => {
  const chunked = parseResponseHead(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n'), 0)!;
  assert.equal(chunked.chunked, true);
  assert.equal(chunked.connectionClose, false);
  const untilClose = parseResponseHead(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n'), 0)!;
  assert.equal(untilClose.chunked, false);
  assert.equal(untilClose.contentLength, undefined);
  assert.equal(untilClose.connectionClose, true);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n'), 0), /chunked applied twice/);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n'), 0), /empty Transfer-Encoding/);
  assert.throws(() => parseResponseHead(bytes('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), 0), /Transfer-Encoding in an HTTP\/1.0 response/);
});

test('connection: HTTP/1.1 keeps alive unless close; HTTP/1.0 only with keep-alive; later 1.x minors read as 1.1', () => {
  const close = (text: string): boolean => parseResponseHead(bytes(text), 0)!.connectionClose;
  assert.equal(close('HTTP/1.1 200 OK\r\n\r\n'), false);
  assert.equal(close('HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n'), true);
  assert.equal(close('HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\n\r\n'), true);
  assert.equal(close('HTTP/1.0 200 OK\r\n\r\n'), true);
  assert.equal(close('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n'), false);
  assert.equal(close('HTTP/1.0 200 OK\r\nConnection: foo, keep-alive\r\n\r\n'), false);
  assert.equal(parseResponseHead(bytes('HTTP/1.0 200 OK\r\n\r\n'), 0)!.version, 10);
  assert.equal(parseResponseHead(bytes('HTTP/1.2 200 OK\r\n\r\n'), 0)!.version, 11);
});

test('Keep-Alive: timeout=N is read in ms, among other parameters, quoted or not; junk is ignored', () => {
  const hint = (value: string): number | undefined => parseResponseHead(bytes(`HTTP/1.1 200 OK\r\nKeep-Alive: ${value}\r\n\r\n`), 0)!.keepAliveTimeoutMs;
  assert.equal(hint('timeout=5'), 5000);
  assert.equal(hint('max=100, Timeout = 30'), 30_000);
  assert.equal(hint('timeout="2"'), 2000);
  assert.equal(hint('timeout=abc'), undefined);
  assert.equal(hint('max=5'), undefined);
});

test('a field named like an Object.prototype member is a plain field', () => {
  const head = parseResponseHead(bytes('HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\nconstructor: z\r\n\r\n'), 0)!;
  assert.equal(head.headers.get('__proto__'), 'x');
  assert.equal(head.headers.get('constructor'), 'y, z');
  assert.equal(head.headers.size, 2);
});

test('1xx heads parse like any other', () => {
  const text = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n\r\n';
  const early = parseResponseHead(bytes(text), 0)!;
  assert.equal(early.status, 103);
  assert.equal(early.headers.get('link'), '</a.css>; rel=preload');
  assert.equal(parseResponseHead(bytes(text), early.headEnd)!.status, 200);
});
