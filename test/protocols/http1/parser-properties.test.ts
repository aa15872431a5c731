// Properties of the HTTP/1.1 response parsers over generated input: a valid head split anywhere
// parses the same; random or mutated bytes only ever give a head, "incomplete" or a named Error;
// a chunked body cut into random reads (with pauses) decodes to the original bytes and trailers.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { ByteAccumulator } from '../../../src/protocols/http1/byte-accumulator.ts';
import { ChunkedDecoder } from '../../../src/protocols/http1/chunked-decoder.ts';
import { findEmptyLine } from '../../../src/protocols/http1/http1-syntax.ts';
import { parseResponseHead, type ResponseHead } from '../../../src/protocols/http1/response-head.ts';

const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);
/** Names the parser knows in place (in any case), and near misses of them: each must come out lower-cased as written. */
const knownOrNearMiss = fc
  .tuple(
    fc.constantFrom('date', 'dat', 'dates', 'server', 'etag', 'etaq', 'vary', 'via', 'age', 'te', 'set-cookie', 'x-request-id', 'x-request-ie', 'content-type', 'content_type', 'grpc-status', 'location'),
    fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  )
  .map(([name, upper]) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
const token = fc.oneof(fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,16}$/), knownOrNearMiss).filter((name) => !FRAMING.has(name.toLowerCase()));
const visible = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c));
const inner = fc.oneof(visible, fc.constantFrom(' ', '\t'));
const fieldValue = fc.oneof(
  fc.constant(''),
  fc.tuple(visible, fc.array(inner, { maxLength: 20 }), visible).map(([a, mid, b]) => `${a}${mid.join('')}${b}`),
  visible,
);
const eol = fc.constantFrom('\r\n', '\r\n', '\n');
const ows = fc.constantFrom('', ' ', '\t', '  ');

interface Generated {
  readonly text: string;
  readonly status: number;
  readonly reason: string | undefined;
  readonly headers: Record<string, string>;
}

const head: fc.Arbitrary<Generated> = fc
  .record({
    minor: fc.constantFrom('0', '1'),
    status: fc.integer({ min: 100, max: 999 }),
    reason: fc.option(fc.array(fc.oneof(visible, fc.constant(' ')), { maxLength: 12 }).map((cs) => cs.join('')), { nil: undefined }),
    fields: fc.array(fc.record({ name: token, value: fieldValue, before: ows, after: ows, eol }), { maxLength: 12 }),
    firstEol: eol,
    lastEol: eol,
  })
  .map(({ minor, status, reason, fields, firstEol, lastEol }) => {
    let text = `HTTP/1.${minor} ${status}${reason === undefined ? '' : ` ${reason}`}${firstEol}`;
    const headers: Record<string, string> = Object.create(null);
    for (const f of fields) {
      text += `${f.name}:${f.before}${f.value}${f.after}${f.eol}`;
      const name = f.name.toLowerCase();
      headers[name] = headers[name] === undefined ? f.value : `${headers[name]}, ${f.value}`;
    }
    return { text: text + lastEol, status, reason, headers };
  });

function same(parsed: ResponseHead | undefined, expected: Generated, offset: number): void {
  assert.ok(parsed !== undefined);
  assert.equal(parsed.status, expected.status);
  assert.equal(parsed.reason, expected.reason);
  assert.deepEqual(Object.fromEntries(parsed.headers), { ...expected.headers });
  assert.equal(parsed.headEnd, offset + Buffer.byteLength(expected.text, 'latin1'));
}

test('any valid head parses to its fields; every prefix of it is incomplete, never an error; a head after other bytes parses the same', () => {
  fc.assert(
    fc.property(head, fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 16 }), (generated, before, after) => {
      const bytes = Buffer.from(generated.text, 'latin1');
      for (let n = 0; n < bytes.length; n++) assert.equal(parseResponseHead(bytes.subarray(0, n), 0), undefined);
      same(parseResponseHead(Buffer.concat([bytes, after]), 0), generated, 0);
      same(parseResponseHead(Buffer.concat([before, bytes, after]), before.length), generated, before.length);
    }),
    { numRuns: 300 },
  );
});

test('a head arriving in random pieces: the search for its end, resumed per piece, finds it in the piece that completes it', () => {
  fc.assert(
    fc.property(head, fc.array(fc.nat(), { maxLength: 12 }), (generated, cuts) => {
      const bytes = Buffer.concat([Buffer.from(generated.text, 'latin1'), Buffer.from('body')]);
      const headEnd = bytes.length - 4;
      const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
      const collected = new ByteAccumulator();
      let from = 0;
      for (const point of [...points, bytes.length]) {
        const before = collected.length;
        collected.append(bytes.subarray(0, point), from);
        from = point;
        const end = findEmptyLine(collected.view(), 0, before);
        if (point < headEnd) {
          assert.equal(end, -1);
        } else {
          assert.equal(end, headEnd);
          same(parseResponseHead(collected.take(), 0), generated, 0);
          return;
        }
      }
    }),
    { numRuns: 500 },
  );
});

function parsesOrNamesTheFault(bytes: Buffer): void {
  try {
    const parsed = parseResponseHead(bytes, 0);
    if (parsed !== undefined) assert.ok(parsed.headEnd <= bytes.length && parsed.status >= 100);
  } catch (error) {
    assert.ok(error instanceof Error, 'an Error');
    assert.match(error.message, /^response head: /);
  }
}

test('random bytes give a head, undefined or an Error naming the fault', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (random) => parsesOrNamesTheFault(Buffer.from(random))),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (random) => parsesOrNamesTheFault(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n'), random]))),
    { numRuns: 2000 },
  );
});

test('valid heads with random bytes changed give a head, undefined or an Error naming the fault', () => {
  fc.assert(
    fc.property(head, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (generated, edits) => {
      const bytes = Buffer.from(generated.text, 'latin1');
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      parsesOrNamesTheFault(bytes);
    }),
    { numRuns: 2000 },
  );
});

const hexCase = fc.constantFrom((n: number) => n.toString(16), (n: number) => n.toString(16).toUpperCase(), (n: number) => `00${n.toString(16)}`);
const extension = fc.constantFrom('', ';a', ';name=value', ' ;q="x y"', ';a;b=1');
const trailerFields = fc.array(fc.record({ name: token, value: fieldValue }), { maxLength: 4 });

test('a chunked body cut into random reads, with random pauses, decodes to its bytes and trailers and leaves what follows', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }),
      hexCase,
      extension,
      trailerFields,
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      (chunks, hex, ext, trailers, cuts, pauses) => {
        const parts: Buffer[] = [];
        for (const chunk of chunks) parts.push(Buffer.from(`${hex(chunk.length)}${ext}\r\n`), Buffer.from(chunk), Buffer.from('\r\n'));
        const expectedTrailers: Record<string, string> = Object.create(null);
        let trailerText = '';
        for (const t of trailers) {
          trailerText += `${t.name}: ${t.value}\r\n`;
          const name = t.name.toLowerCase();
          expectedTrailers[name] = expectedTrailers[name] === undefined ? t.value : `${expectedTrailers[name]}, ${t.value}`;
        }
        parts.push(Buffer.from(`0${ext}\r\n${trailerText}\r\n`, 'latin1'));
        const encoded = Buffer.concat(parts);
        const next = Buffer.from('HTTP/1.1 200 OK\r\n');
        const stream = Buffer.concat([encoded, next]);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const reads: Buffer[] = [];
        let from = 0;
        for (const point of points) {
          reads.push(stream.subarray(from, point));
          from = point;
        }
        reads.push(stream.subarray(from));

        const data: Buffer[] = [];
        let call = 0;
        const decoder = new ChunkedDecoder({
          onChunkData: (chunk) => {
            data.push(chunk);
            return pauses[call++ % pauses.length]!;
          },
        });
        const rest: Buffer[] = [];
        for (const read of reads) {
          let offset = 0;
          while (offset < read.length && !decoder.done) offset = decoder.feed(read, offset);
          if (decoder.done) rest.push(read.subarray(offset));
        }
        assert.equal(decoder.done, true);
        assert.deepEqual(Buffer.concat(data), Buffer.concat(chunks.map((c) => Buffer.from(c))));
        assert.deepEqual(Object.fromEntries(decoder.trailers), { ...expectedTrailers });
        assert.deepEqual(Buffer.concat(rest), next);
      },
    ),
    { numRuns: 500 },
  );
});

test('random bytes fed to the chunked decoder in random reads only ever end it, wait, or throw an Error naming the fault', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), fc.constantFrom('', '1\r\n', '0\r\n', 'a;'), (reads, start) => {
      const decoder = new ChunkedDecoder({ onChunkData: () => true });
      try {
        decoder.feed(Buffer.from(start), 0);
        for (const read of reads) {
          const buf = Buffer.from(read);
          const end = decoder.feed(buf, 0);
          assert.ok(end <= buf.length);
          if (decoder.done) break;
          assert.equal(end, buf.length);
        }
      } catch (error) {
        assert.ok(error instanceof Error);
        assert.match(error.message, /^chunked body/);
      }
    }),
    { numRuns: 2000 },
  );
});
