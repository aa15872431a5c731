// The strict request-head parser: what it reads from a head (fields joined as lists, the framing
// and connection facts), heads that are not complete yet, and every fault named with its line and
// byte; fast-check: valid heads split anywhere parse the same, random bytes only ever give a head,
// undefined or a RequestHeadError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FIELD_COUNT_LIMIT, HEAD_LIMIT, parseRequestHead, type RequestHead, RequestHeadError } from '../../../src/protocols/http1/request-head.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

function parsed(text: string, offset = 0): RequestHead {
  const head = parseRequestHead(bytes(text), offset);
  assert.ok(head !== undefined, `expected a complete head in ${JSON.stringify(text)}`);
  return head;
}

function fault(text: string | Buffer, pattern: RegExp): RequestHeadError {
  let caught: unknown;
  try {
    parseRequestHead(typeof text === 'string' ? bytes(text) : text);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RequestHeadError, `expected a RequestHeadError for ${JSON.stringify(String(text).slice(0, 80))}, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  return caught;
}

test('a head: request line, lower-cased fields, repeated ones joined as lists, where the body starts', () => {
  const text = 'GET /items?id=42 HTTP/1.1\r\nHost: reviews\r\nAccept: text/plain\r\nX-Trace:  a \t\r\nAccept: */*\r\nCookie: a=1\r\ncookie: b=2\r\nX-Empty:\r\n\r\nBODY';
  const head = parsed(text);
  assert.deepEqual(
    { method: head.method, target: head.target, version: head.version, headEnd: head.headEnd, repeated: head.repeated },
    { method: 'GET', target: '/items?id=42', version: 11, headEnd: text.indexOf('BODY'), repeated: ['accept', 'cookie'] },
  );
  assert.deepEqual([...head.headers], [
    ['host', 'reviews'],
    ['accept', 'text/plain, */*'],
    ['x-trace', 'a'],
    ['cookie', 'a=1; b=2'],
    ['x-empty', ''],
  ]);
  assert.deepEqual(
    { contentLength: head.contentLength, chunked: head.chunked, connectionClose: head.connectionClose, expectContinue: head.expectContinue, upgrade: head.upgrade },
    { contentLength: undefined, chunked: false, connectionClose: false, expectContinue: false, upgrade: false },
  );
});

test('from an offset: pipelined requests one after the other, empty lines before a request skipped', () => {
  const text = 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\r\nGET /b HTTP/1.0\r\n\r\n';
  const first = parsed(text);
  assert.equal(first.contentLength, 3);
  assert.equal(text.slice(first.headEnd, first.headEnd + 3), 'abc');
  const second = parsed(text, first.headEnd + 3);
  assert.deepEqual([second.method, second.target, second.version, second.headEnd, second.headers.size], ['GET', '/b', 10, text.length, 0]);
});

test('incomplete heads are undefined, byte by byte up to the blank line', () => {
  const text = 'PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n';
  for (let n = 0; n < text.length; n++) assert.equal(parseRequestHead(bytes(text.slice(0, n))), undefined, `prefix of ${n} bytes`);
  assert.equal(parsed(text).headEnd, text.length);
});

test('connection, framing and expectation facts', () => {
  const facts = (text: string) => {
    const h = parsed(text);
    return { close: h.connectionClose, length: h.contentLength, chunked: h.chunked, expect: h.expectContinue, upgrade: h.upgrade };
  };
  assert.equal(facts('GET / HTTP/1.1\r\nConnection: Close\r\n\r\n').close, true);
  assert.equal(facts('GET / HTTP/1.1\r\nConnection: keep-alive, TE\r\n\r\n').close, false);
  assert.equal(facts('GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n').close, true);
  assert.equal(facts('GET / HTTP/1.0\r\n\r\n').close, true, 'HTTP/1.0 closes unless it asks to keep alive');
  assert.equal(facts('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').close, false);
  assert.equal(facts('GET / HTTP/1.0\r\nConnection: x, keep-alive\r\n\r\n').close, false);
  assert.deepEqual(facts('POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'), { close: false, length: undefined, chunked: true, expect: false, upgrade: false });
  assert.deepEqual(facts('POST / HTTP/1.1\r\nContent-Length: 007\r\nExpect: 100-Continue\r\n\r\n'), { close: false, length: 7, chunked: false, expect: true, upgrade: false });
  assert.deepEqual(facts('GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), { close: false, length: undefined, chunked: false, expect: false, upgrade: true });
  const same = parsed('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n');
  assert.deepEqual([same.contentLength, same.headers.get('content-length'), same.repeated], [5, '5', ['content-length']]);
});

test('request-line faults are named with their byte', () => {
  fault('GET  / HTTP/1.1\r\n\r\n', /^request head: line 1, byte 4: byte 0x20 where the request-target starts$/);
  fault('G@T / HTTP/1.1\r\n\r\n', /^request head: line 1, byte 1: byte 0x40 in the method/);
  fault(' GET / HTTP/1.1\r\n\r\n', /^request head: line 1, byte 0: byte 0x20 where the method starts$/);
  fault('GET /a\x7fb HTTP/1.1\r\n\r\n', /^request head: line 1, byte 6: byte 0x7f in the request-target/);
  fault('GET / HTTP/2.0\r\n\r\n', /^request head: line 1, byte 6: the version "HTTP\/2\.0" is not HTTP\/1\.0 or HTTP\/1\.1/);
  fault('GET / http/1.1\r\n\r\n', /the version "http\/1\.1" is not/);
  fault('GET / HTTP/1.1 \r\n\r\n', /the version "HTTP\/1\.1 " is not/);
  fault('GET /\r\n\r\n', /^request head: line 1, byte 5: byte 0x0d in the request-target/);
  fault('GET / HTTP/1.1\r\nHost: a\n\n', /^request head: line 2: a bare LF ends the line \(CRLF expected\)$/);
});

test('bytes that cannot begin a request are an error before the head is complete (a TLS handshake on a plaintext port)', () => {
  fault(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), /^request head: line 1, byte 0: byte 0x16 where the method starts$/);
  fault('GET/', /^request head: line 1, byte 3: byte 0x2f in the method/);
  fault('GET / HTTP/1.1\r\nHost: a\nX', /line 2: a bare LF/);
  assert.equal(parseRequestHead(bytes('GET')), undefined);
  assert.equal(parseRequestHead(bytes('GET /whatever')), undefined);
});

test('field faults: obs-fold, whitespace before the colon, control bytes, a bare CR', () => {
  const obsFold = fault('GET / HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n', /^request head: line 3, byte 0: starts with whitespace \(obs-fold is not accepted/);
  assert.equal(obsFold.offset, 'GET / HTTP/1.1\r\nX-A: 1\r\n'.length);
  fault('GET / HTTP/1.1\r\nHost : a\r\n\r\n', /^request head: line 2, byte 4: byte 0x20 in the field name/);
  fault('GET / HTTP/1.1\r\n: a\r\n\r\n', /^request head: line 2, byte 0: no field name before the colon$/);
  fault('GET / HTTP/1.1\r\nHost\r\n\r\n', /^request head: line 2, byte 4: byte 0x0d in the field name/);
  fault('GET / HTTP/1.1\r\nX(y): a\r\n\r\n', /^request head: line 2, byte 1: byte 0x28 in the field name/);
  const nul = fault('GET / HTTP/1.1\r\nX-Id: a\0b\r\n\r\n', /^request head: line 2, byte 7: control byte 0x00 in the x-id value$/);
  assert.equal(nul.offset, 'GET / HTTP/1.1\r\nX-Id: a'.length);
  fault('GET / HTTP/1.1\r\nX-Id: a\rb\r\n\r\n', /control byte 0x0d in the x-id value/);
  fault('GET / HTTP/1.1\r\nX-Id: a\x1bb\r\n\r\n', /control byte 0x1b in the x-id value/);
  assert.equal(parsed('GET / HTTP/1.1\r\nX-Latin: caf\xe9\r\n\r\n').headers.get('x-latin'), 'caf\xe9', 'obs-text is kept, as latin1');
});

test('framing faults that smuggle requests: both framings, lengths that differ or are not numbers, a second Host', () => {
  fault('POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', /^request head: both transfer-encoding and content-length/);
  fault('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', /both transfer-encoding and content-length/);
  fault('POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', /^request head: line 3: content-length 4 differs from 3 declared before$/);
  fault('POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n', /content-length "3, 3" is not a decimal length/);
  fault('POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n', /content-length "\+3" is not a decimal length/);
  fault('POST / HTTP/1.1\r\nContent-Length: 1234567890123456\r\n\r\n', /is not a decimal length/);
  fault('POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', /transfer-encoding "chunked, gzip" does not end in exactly one chunked coding/);
  fault('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', /does not end in exactly one chunked coding/);
  fault('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', /^request head: line 3: a second host field/);
});

test(`limits: a head over ${HEAD_LIMIT / 1024} KiB, complete or not, and more than ${FIELD_COUNT_LIMIT} fields`, () => {
  const filler = `X-Fill: ${'f'.repeat(1000)}\r\n`.repeat(Math.ceil(HEAD_LIMIT / 1010));
  fault(`GET / HTTP/1.1\r\n${filler}`, /^request head: larger than 64 KiB$/);
  fault(`GET / HTTP/1.1\r\n${filler}\r\n`, /^request head: larger than 64 KiB$/);
  const justUnder = `GET / HTTP/1.1\r\nX: ${'y'.repeat(HEAD_LIMIT - 23)}\r\n\r\n`;
  assert.equal(justUnder.length, HEAD_LIMIT);
  assert.equal(parsed(justUnder).headEnd, HEAD_LIMIT);
  assert.equal(parseRequestHead(bytes(justUnder.slice(0, -1))), undefined);
  fault(`GET / HTTP/1.1\r\n${'A: b\r\n'.repeat(FIELD_COUNT_LIMIT + 1)}\r\n`, /^request head: more than 2000 fields$/);
  assert.equal(parsed(`GET / HTTP/1.1\r\n${'A: b\r\n'.repeat(FIELD_COUNT_LIMIT)}\r\n`).headers.get('a')?.length, FIELD_COUNT_LIMIT * 3 - 2);
});

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const targetChar = fc.integer({ min: 0x21, max: 0xff }).filter((b) => b !== 0x7f).map((b) => String.fromCharCode(b));
const target = fc.string({ unit: targetChar, minLength: 1, maxLength: 40 });
/** A field value: no control bytes, no whitespace at its ends (so the parsed value is the one sent). */
const value = fc
  .string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((b) => String.fromCharCode(b)), maxLength: 30 })
  .map((v) => v.replace(/^[ \t]+|[ \t]+$/g, ''));
/** Names the parser gives meaning to are left to the example tests. */
const fieldName = token.filter((n) => !['host', 'content-length', 'transfer-encoding'].includes(n.toLowerCase()));

const validHead = fc.record({
  method: token,
  target,
  version: fc.constantFrom('HTTP/1.0', 'HTTP/1.1'),
  fields: fc.array(fc.tuple(fieldName, value, fc.constantFrom(' ', '', '\t', '  ')), { maxLength: 12 }),
});

test('property: a valid head split at any byte is undefined before its end and parses the same once whole', () => {
  fc.assert(
    fc.property(validHead, fc.nat(), fc.string({ maxLength: 20 }), ({ method, target, version, fields }, cut, after) => {
      const text = `${method} ${target} ${version}\r\n${fields.map(([n, v, ows]) => `${n}:${ows}${v}${ows}\r\n`).join('')}\r\n`;
      const whole = bytes(`${text}${after}`);
      const expected = new Map<string, string>();
      for (const [n, v] of fields) {
        const name = n.toLowerCase();
        const previous = expected.get(name);
        expected.set(name, previous === undefined ? v : `${previous}${name === 'cookie' ? '; ' : ', '}${v}`);
      }
      const head = parseRequestHead(whole);
      assert.ok(head !== undefined);
      assert.deepEqual([head.method, head.target, head.version, head.headEnd], [method, target, version === 'HTTP/1.1' ? 11 : 10, text.length]);
      assert.deepEqual(head.headers, expected);
      const at = cut % text.length;
      assert.equal(parseRequestHead(whole.subarray(0, at)), undefined);
      const rejoined = Buffer.concat([Buffer.from('junk'), whole.subarray(0, at), whole.subarray(at)]);
      assert.deepEqual(parseRequestHead(rejoined, 4), { ...head, headEnd: head.headEnd + 4 });
    }),
    { numRuns: 500 },
  );
});

test('property: random bytes, alone or after a request line, give a head, undefined or a RequestHeadError, and end', () => {
  const start = fc.constantFrom('', 'GET / HTTP/1.1\r\n', 'POST /x HTTP/1.0\r\nHost: a\r\n');
  const noise = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.array(fc.constantFrom('\r', '\n', '\r\n', ' ', ':', 'a', 'Host', '\t', '\0', ',', 'chunked', '1'), { maxLength: 60 }).map((parts) => bytes(parts.join(''))));
  fc.assert(
    fc.property(start, noise, (prefix, random) => {
      const input = Buffer.concat([bytes(prefix), random]);
      try {
        const head = parseRequestHead(input);
        if (head !== undefined) assert.ok(head.headEnd <= input.length);
      } catch (error) {
        assert.ok(error instanceof RequestHeadError, `not a RequestHeadError: ${String(error)}`);
        assert.match(error.message, /^request head: /);
        assert.ok(error.offset >= 0 && error.offset <= input.length + HEAD_LIMIT);
      }
    }),
    { numRuns: 2000 },
  );
});
