// Property tests of both decoders on hostile input — random bytes, real frames truncated at
// every offset or with bytes corrupted, huge declared lengths: nothing throws, every run ends,
// and a reader never holds more than its payload limit plus a header.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import type { XProtocolCodec } from '../../../src/protocols/xprotocol/codec.ts';
import { FrameReader } from '../../../src/protocols/xprotocol/frame-reader.ts';
import { boltHeartbeat, boltRequest, boltResponse, ECHO_REQUEST, echoProto, V1, V2, V2_CRC } from '../bolt/fixtures.ts';
import { dubbo2jsHeartbeat, dubboFrameOf, dubboRequest, dubboResponse, hessianBody, java } from '../dubbo/fixtures.ts';

const MAX_PAYLOAD = 4096;

/** A well-formed frame up to where random bytes take over: Dubbo arguments, a Bolt header map. */
type RandomInside = (random: Buffer) => Buffer;

const dubboRandomArguments: RandomInside = (random) =>
  dubboFrameOf(0xc2, 0, 1n, Buffer.concat([hessianBody('2.0.2', 'com.example.S', '1.0', 'm', 'Ljava/lang/Object;[IJ'), random]));
const dubboRandomResult: RandomInside = (random) => dubboFrameOf(0x02, 20, 1n, Buffer.concat([hessianBody(java.int(4)), random]));

function boltRandomHeaderMap(random: Buffer): Buffer {
  const frame = Buffer.concat([boltRequest(1, { ...ECHO_REQUEST, args: [] }, V1).subarray(0, 22), random]);
  frame.writeInt16BE(0, 14);
  frame.writeInt16BE(random.length, 16);
  frame.writeInt32BE(0, 18);
  return frame;
}

const CODECS: [XProtocolCodec, Buffer[], RandomInside[]][] = [
  [
    dubboCodec,
    [
      dubboRequest({ id: 1, args: [java.String('a'), java('com.example.User', { name: 'n', tags: java.List(['x', 'y']) }), java.Map({ k: java.long(7) })], group: 'g', timeout: 100 }),
      dubboRequest({ id: 2, method: '$invoke', args: [java.String('m'), java.array('java.lang.String', ['I']), java.array('java.lang.Object', [java.int(1)])] }),
      dubboResponse(3n, 4, java('com.example.Reply', { text: 'hi' }), { trace: 't' }),
      dubboResponse(4n, 3, java.exception(new Error('boom')), {}),
      dubboFrameOf(0x02, 70, 5n, hessianBody('service error')),
      dubbo2jsHeartbeat(),
    ],
    [dubboRandomArguments, dubboRandomResult],
  ],
  [
    boltCodec,
    [
      boltRequest(1, ECHO_REQUEST, V1),
      boltRequest(2, { ...ECHO_REQUEST, args: [{ message: 'hi' }], requestProps: { zone: 'gz' } }, { ...V2, codecType: 'protobuf', proto: echoProto }),
      boltRequest(3, ECHO_REQUEST, V2_CRC),
      boltResponse(4, { appResponse: 'pong' }, V2_CRC),
      boltResponse(5, { status: 4, errorMsg: 'busy' }, V1),
      boltHeartbeat(6, V2),
    ],
    [boltRandomHeaderMap],
  ],
];

/**
 * A reason from the codec's own checks, naming a field — not a caught RangeError or TypeError,
 * which the codecs report as `dubbo: …` / `bolt: …` and the reader as `… decoder failed: …`.
 */
function assertNamedReason(reason: string): void {
  assert.doesNotMatch(reason, /^(dubbo|bolt): |decoder failed|decoder gave|decoder asked/);
  assert.match(reason, /^(dubbo|bolt)[ a-z0-9]*: /);
}

/** Pushes `chunks`; checks the bound after each push; returns frames read and the failure if any. */
function feed(codec: XProtocolCodec, chunks: readonly Uint8Array[]): { frames: number; failure: string | undefined } {
  const reader = new FrameReader(codec, { maxPayloadBytes: MAX_PAYLOAD });
  let frames = 0;
  let failure: string | undefined;
  for (const chunk of chunks) {
    failure = reader.push(Buffer.from(chunk), (frame) => {
      frames++;
      assert.ok(frame.bytes.length <= MAX_PAYLOAD + codec.headerBytes);
    });
    assert.ok(reader.bufferedBytes <= MAX_PAYLOAD + codec.headerBytes, `${reader.bufferedBytes} bytes buffered`);
  }
  if (failure !== undefined) assertNamedReason(failure);
  return { frames, failure };
}

/** `bytes` cut at `cuts` (positions taken modulo its length). */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    out.push(bytes.subarray(from, point));
    from = point;
  }
  out.push(bytes.subarray(from));
  return out;
}

for (const [codec, frames, randomInside] of CODECS) {
  test(`${codec.name}: random bytes in random chunks never throw nor overfill the reader`, () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }), (chunks) => {
        feed(codec, chunks);
        for (const chunk of chunks) {
          const bytes = Buffer.from(chunk);
          codec.detect(bytes);
          codec.frameLength(bytes, MAX_PAYLOAD);
          const decoded = codec.decode(bytes);
          if (decoded.kind === 'error') assertNamedReason(decoded.reason);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test(`${codec.name}: a valid header before random bytes never throws`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 4 }), (frame, tail, cuts) => {
        const bytes = Buffer.concat([frame.subarray(0, codec.headerBytes), tail]);
        feed(codec, chunked(bytes, cuts));
        const decoded = codec.decode(bytes);
        if (decoded.kind === 'error') assertNamedReason(decoded.reason);
      }),
      { numRuns: 1000 },
    );
  });

  test(`${codec.name}: random bytes where the body's values or header map go never throw`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...randomInside), fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 3 }), (build, random, cuts) => {
        const bytes = build(Buffer.from(random));
        feed(codec, chunked(bytes, cuts));
        const decoded = codec.decode(bytes);
        if (decoded.kind === 'error') assertNamedReason(decoded.reason);
      }),
      { numRuns: 3000 },
    );
  });

  test(`${codec.name}: a frame truncated at any offset waits for the rest, and decodes to an error on its own`, () => {
    for (const frame of frames) {
      for (let end = 0; end < frame.length; end++) {
        const prefix = frame.subarray(0, end);
        const result = feed(codec, [prefix]);
        assert.deepEqual(result, { frames: 0, failure: undefined }, `${end} of ${frame.length}`);
        const decoded = codec.decode(Buffer.from(prefix));
        assert.equal(decoded.kind, 'error', `decode of ${end} of ${frame.length} bytes`);
        if (decoded.kind === 'error') assertNamedReason(decoded.reason);
      }
      assert.deepEqual(feed(codec, [frame]), { frames: 1, failure: undefined });
    }
  });

  test(`${codec.name}: corrupted bytes in real frames give frames or a reason, never an exception`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...frames),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (frame, edits, cuts) => {
          const bytes = Buffer.from(frame);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          feed(codec, chunked(Buffer.concat([bytes, frame]), cuts));
          const decoded = codec.decode(bytes);
          if (decoded.kind === 'error') assertNamedReason(decoded.reason);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test(`${codec.name}: a huge declared length fails at the header, before the payload is buffered`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...frames.filter((f) => f.length > codec.headerBytes)), fc.integer({ min: MAX_PAYLOAD + 1, max: 2147483647 }), (frame, declared) => {
        const bytes = Buffer.from(frame);
        // The last field of each fixed header is the 32-bit body (Dubbo) or content (Bolt) length.
        const header = codec === dubboCodec ? 16 : bytes[0] === 1 ? (bytes[1] === 0 ? 20 : 22) : bytes[2] === 0 ? 22 : 24;
        bytes.writeInt32BE(declared, header - 4);
        const reader = new FrameReader(codec, { maxPayloadBytes: MAX_PAYLOAD });
        const failure = reader.push(bytes, () => assert.fail('no frame'));
        assert.match(String(failure), /exceed(s)? the 4 KiB frame limit/);
        assert.equal(reader.bufferedBytes, 0);
      }),
      { numRuns: 300 },
    );
  });
}
