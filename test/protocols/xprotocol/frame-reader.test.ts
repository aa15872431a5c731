// The frame reader: frames cut the same at every split of the input, nothing buffered beyond
// one frame, a bad frame ends the stream with its reason and nothing thrown.
import assert from 'node:assert/strict';
import test from 'node:test';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import type { XProtocolCodec } from '../../../src/protocols/xprotocol/codec.ts';
import type { XFrame } from '../../../src/protocols/xprotocol/frame.ts';
import { FrameReader } from '../../../src/protocols/xprotocol/frame-reader.ts';
import { boltHeartbeat, boltRequest, boltResponse, ECHO_REQUEST, V1, V2_CRC } from '../bolt/fixtures.ts';
import { dubbo2jsHeartbeat, dubboRequest, dubboResponse, java } from '../dubbo/fixtures.ts';

const STREAMS: [XProtocolCodec, Buffer[]][] = [
  [dubboCodec, [dubboRequest({ id: 1 }), dubbo2jsHeartbeat(), dubboResponse(2n, 4, java.String('ok'), { a: 'b' }), dubboRequest({ id: 3, args: [java.String('x'.repeat(5000))] })]],
  [boltCodec, [boltRequest(1, ECHO_REQUEST, V1), boltHeartbeat(2, V2_CRC), boltResponse(3, { appResponse: 'pong' }, V2_CRC), boltRequest(4, ECHO_REQUEST, V2_CRC)]],
];

function readAll(reader: FrameReader<XFrame>, chunks: Buffer[]): XFrame[] {
  const frames: XFrame[] = [];
  for (const chunk of chunks) {
    assert.equal(reader.push(chunk, (frame) => frames.push(frame)), undefined);
    assert.ok(reader.bufferedBytes <= reader.maxPayloadBytes + reader.codec.headerBytes);
  }
  return frames;
}

test('the same frames at every split of the stream into two chunks, and byte by byte', () => {
  for (const [codec, frames] of STREAMS) {
    const stream = Buffer.concat(frames);
    for (let split = 0; split <= stream.length; split++) {
      const got = readAll(new FrameReader(codec), [stream.subarray(0, split), stream.subarray(split)]);
      assert.deepEqual(got.map((f) => f.bytes), frames, `${codec.name} split at ${split}`);
    }
    const reader = new FrameReader(codec);
    const got = readAll(reader, [...stream].map((byte) => Buffer.from([byte])));
    assert.deepEqual(got.map((f) => f.bytes), frames, `${codec.name} byte by byte`);
    assert.equal(reader.bufferedBytes, 0);
  }
});

test('a frame inside one chunk is handed out without a copy', () => {
  const chunk = Buffer.concat([dubboRequest({ id: 1 }), dubboRequest({ id: 2 })]);
  const frames = readAll(new FrameReader(dubboCodec), [chunk]);
  assert.equal(frames.length, 2);
  for (const frame of frames) assert.equal(frame.bytes.buffer, chunk.buffer);
});

test('a declared length over the limit fails at the header, before the payload is buffered', () => {
  const reader = new FrameReader(dubboCodec, { maxPayloadBytes: 1024 });
  const frame = dubboRequest({ args: [java.String('y'.repeat(2000))] });
  let frames = 0;
  const failure = reader.push(frame.subarray(0, 16), () => frames++);
  assert.match(String(failure), /^dubbo header: body length \d+ exceeds the 1 KiB frame limit$/);
  assert.equal(reader.bufferedBytes, 0);
  assert.equal(reader.push(frame.subarray(16), () => frames++), failure, 'a failed reader reads nothing more');
  assert.equal(reader.push(dubboRequest(), () => frames++), failure);
  assert.equal(frames, 0);
  assert.equal(reader.failure, failure);
});

test('a frame that does not decode ends the stream after the frames before it', () => {
  const good = dubboRequest({ id: 1 });
  const bad = Buffer.from(dubboRequest({ id: 2 }));
  bad[2] = 0xc6; // a request in fastjson: metas unreadable
  const reader = new FrameReader(dubboCodec);
  const ids: unknown[] = [];
  const failure = reader.push(Buffer.concat([good, bad, good]), (frame) => ids.push(frame.requestId));
  assert.match(String(failure), /serialization id 6 of a request is not hessian2/);
  assert.deepEqual(ids, [1n]);
});

test('a codec that throws is a failure of this stream, not an exception', () => {
  const throwing: XProtocolCodec = {
    ...dubboCodec,
    decode: () => {
      throw new TypeError('codec bug');
    },
  };
  const reader = new FrameReader(throwing);
  assert.equal(reader.push(dubboRequest(), () => assert.fail('no frame')), 'sidelet.protocol.dubbo: frame decoder failed: TypeError: codec bug');
  const lying: XProtocolCodec = { ...dubboCodec, frameLength: () => ({ kind: 'length', length: Number.NaN }) };
  assert.equal(new FrameReader(lying).push(dubboRequest(), () => assert.fail('no frame')), 'sidelet.protocol.dubbo: decoder gave frame length NaN');
  const greedy: XProtocolCodec = { ...dubboCodec, frameLength: () => ({ kind: 'need-more' }) };
  assert.equal(new FrameReader(greedy).push(dubboRequest(), () => assert.fail('no frame')), 'sidelet.protocol.dubbo: decoder asked for more than its 16-byte header');
});

test('an exception from the frame handler reaches the caller', () => {
  const reader = new FrameReader(dubboCodec);
  assert.throws(
    () =>
      reader.push(dubboRequest(), () => {
        throw new Error('handler failed');
      }),
    /handler failed/,
  );
});
