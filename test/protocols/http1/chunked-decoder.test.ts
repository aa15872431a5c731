// The incremental chunked-body decoder (RFC 9112 §7.1): data handed on as slices, extensions,
// trailers (also split over reads), where the body ends, pausing, and its bounded errors.
import assert from 'node:assert/strict';
import test from 'node:test';
import { ChunkedDecoder } from '../../../src/protocols/http1/chunked-decoder.ts';

function decoder(pauseEvery = 0): { readonly decoder: ChunkedDecoder; readonly data: Buffer[] } {
  const data: Buffer[] = [];
  const d = new ChunkedDecoder({
    onChunkData: (chunk) => {
      data.push(chunk);
      return pauseEvery === 0 || data.length % pauseEvery !== 0;
    },
  });
  return { decoder: d, data };
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

test('chunks are handed on as slices of the input, the end is found, and what follows is left', () => {
  const { decoder: d, data } = decoder();
  const input = bytes('5\r\nhello\r\n6;name=value;flag\r\n world\r\n0\r\n\r\nHTTP/1.1 200 OK');
  const end = d.feed(input, 0);
  assert.equal(d.done, true);
  assert.equal(input.subarray(end).toString(), 'HTTP/1.1 200 OK');
  assert.equal(Buffer.concat(data).toString(), 'hello world');
  assert.equal(data[0]!.buffer, input.buffer, 'a slice, not a copy');
  assert.deepEqual(Object.fromEntries(d.trailers), {});
});

test('hex sizes in either case with leading zeros, bare LF line ends, whitespace before an extension', () => {
  const { decoder: d, data } = decoder();
  const end = d.feed(bytes('0000A \t;x\nabcdefghij\n00\n\n'), 0);
  assert.equal(d.done, true);
  assert.equal(end, 25);
  assert.equal(Buffer.concat(data).toString(), 'abcdefghij');
});

test('trailers are parsed, also when they arrive split over many reads', () => {
  const text = '3\r\nabc\r\n0\r\nGrpc-Status: 0\r\ngrpc-message: fine\r\n\r\n';
  for (let cut = 1; cut < text.length; cut++) {
    const { decoder: d, data } = decoder();
    let off = d.feed(bytes(text.slice(0, cut)), 0);
    assert.equal(off, cut);
    off = d.feed(bytes(`${text.slice(cut)}rest`), 0);
    assert.equal(d.done, true, `cut ${cut}`);
    assert.equal(off, text.length - cut);
    assert.equal(Buffer.concat(data).toString(), 'abc');
    assert.deepEqual(Object.fromEntries(d.trailers), { 'grpc-status': '0', 'grpc-message': 'fine' }, `cut ${cut}`);
  }
});

test('a sink that refuses a chunk stops the feed right after it; feeding the rest goes on', () => {
  const { decoder: d, data } = decoder(1);
  const input = bytes('1\r\na\r\n1\r\nb\r\n0\r\n\r\n');
  let off = 0;
  const stops: number[] = [];
  while (!d.done) {
    off = d.feed(input, off);
    stops.push(off);
  }
  assert.deepEqual(stops, [4, 10, input.length]);
  assert.equal(Buffer.concat(data).toString(), 'ab');
});

test('reset readies the decoder for the next body', () => {
  const { decoder: d, data } = decoder();
  d.feed(bytes('1\r\na\r\n0\r\nx: 1\r\n\r\n'), 0);
  d.reset();
  assert.equal(d.done, false);
  assert.deepEqual(Object.fromEntries(d.trailers), {});
  d.feed(bytes('1\r\nb\r\n0\r\n\r\n'), 0);
  assert.equal(d.done, true);
  assert.equal(Buffer.concat(data).toString(), 'ab');
});

test('errors name the byte of the body; every length is bounded', () => {
  const cases: [string, RegExp][] = [
    ['zz\r\n', /chunked body: invalid chunk size at byte 0/],
    ['\r\n', /invalid chunk size at byte 0/],
    ['5x\r\n', /invalid chunk size at byte 1/],
    ['5 x\r\n', /invalid chunk size at byte 2/],
    ['5\rx', /bare CR after a chunk size at byte 2/],
    [`${'0'.repeat(17)}\r\n`, /chunk size longer than 16 hex digits at byte 16/],
    ['fffffffffffffff\r\n', /chunk size too large/],
    [`1;${'e'.repeat(5000)}`, /chunk extensions longer than 4096 bytes at byte 4097/],
    ['1;a\x01\r\n', /invalid character in a chunk extension at byte 3/],
    ['3\r\nabcX', /chunk data not followed by CRLF at byte 6/],
    ['3\r\nabc\rX', /chunk data not followed by CRLF at byte 7/],
    ['0\r\nbad trailer: 1\r\n\r\n', /chunked body trailers: whitespace between a field name and its colon at byte 3/],
    [`0\r\nx: ${'v'.repeat(70_000)}\r\n\r\n`, /chunked body trailers: larger than 65536 bytes/],
  ];
  for (const [text, expected] of cases) {
    const { decoder: d } = decoder();
    assert.throws(() => d.feed(bytes(text), 0), expected, JSON.stringify(text.slice(0, 40)));
  }
});

test('byte positions in errors count from the start of the body across feeds', () => {
  const { decoder: d } = decoder();
  d.feed(bytes('3\r\nabc\r\n'), 0);
  assert.throws(() => d.feed(bytes('--q\r\n'), 2), /invalid chunk size at byte 8/);
});

test('trailers over 64 KiB that arrive piece by piece are refused once past the bound', () => {
  const { decoder: d } = decoder();
  d.feed(bytes('0\r\nx: '), 0);
  const piece = bytes('v'.repeat(1000));
  assert.throws(() => {
    for (let i = 0; i < 70; i++) d.feed(piece, 0);
  }, /chunked body trailers: larger than 65536 bytes/);
});
