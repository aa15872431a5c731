// The recorded peer frames are what the protocol layouts say, and real: each recorded request,
// replayed byte for byte to a fresh server, brings back the recorded response byte for byte.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { startBoltServer } from './bolt-peers.ts';
import { startDubboProvider } from './dubbo-peers.ts';
import { answer, ECHO_EXCEPTION, failMessage } from './echo-service.ts';
import { frameLength, type WireProtocol } from './frame-length.ts';
import { FRAME_SOURCES, RECORDED_MESSAGE, RECORDER, recordFrames, type FrameSource, type RecordedFrames } from './record-frames.ts';

const SOFA_REQUEST = 'com.alipay.sofa.rpc.core.request.SofaRequest';
const SOFA_RESPONSE = 'com.alipay.sofa.rpc.core.response.SofaResponse';

/** Hessian 2 compact int (-16..47) and short string (< 32 bytes) encodings. */
const hessianInt = (n: number): number => 0x90 + n;
const hessianString = (s: string): Buffer => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);

const wire = (source: FrameSource): WireProtocol => (source === 'dubbo' ? 'dubbo' : 'bolt');

/** Sends `request` on a new connection and reads back one whole frame. */
async function exchange(protocol: WireProtocol, port: number, request: Buffer): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(request);
  let received = Buffer.alloc(0);
  try {
    for await (const chunk of socket) {
      received = Buffer.concat([received, chunk as Buffer]);
      const length = frameLength(protocol, received);
      if (length !== undefined && received.length >= length) return received.subarray(0, length);
    }
  } finally {
    socket.destroy();
  }
  throw new Error(`${protocol} replay: connection closed after ${received.length} bytes, before a whole frame`);
}

describe('recordFrames', () => {
  let echo: RecordedFrames;
  let fail: RecordedFrames;
  before(async () => {
    echo = await recordFrames();
    fail = await recordFrames('fail');
  });

  test('dubbo: hessian2 two-way request from dubbo2.js, status-20 answer with attachments', () => {
    const { request, response } = echo.dubbo;
    assert.equal(request.readUInt16BE(0), 0xdabb);
    assert.equal(request[2], 0x80 | 0x40 | 0x02, 'flag: request, two-way, serialization 2 (hessian2)');
    assert.deepEqual(request.subarray(16, 22), hessianString('2.0.2'), 'body opens with the dubbo version');
    assert.equal(response[2], 0x02, 'flag: response, hessian2');
    assert.equal(response[3], 20, 'status OK');
    assert.deepEqual(response.subarray(4, 12), request.subarray(4, 12), 'same request id');
    assert.equal(response[16], hessianInt(4), 'RESPONSE_VALUE_WITH_ATTACHMENTS');
    assert.ok(response.includes(answer(RECORDER, '1.0.0', RECORDED_MESSAGE)));
  });

  test('dubbo: fail() is an OK status carrying the exception', () => {
    const { response } = fail.dubbo;
    assert.equal(response[3], 20);
    assert.equal(response[16], hessianInt(3), 'RESPONSE_WITH_EXCEPTION_WITH_ATTACHMENTS');
    assert.ok(response.includes(failMessage(RECORDER)));
  });

  test('bolt v1: proto 1, hessian2 codec, SofaRequest with the service header, SofaResponse', () => {
    const { request, response } = echo['bolt-v1'];
    assert.deepEqual([...request.subarray(0, 5)], [1, 1, 0, 1, 1], 'proto 1, request, cmdcode RPC_REQUEST, ver2 1');
    assert.equal(request[9], 1, 'codec 1 = hessian2');
    assert.equal(request.readUInt32BE(10), 3000, 'timeout');
    assert.equal(request.subarray(22, 22 + request.readUInt16BE(14)).toString(), SOFA_REQUEST);
    assert.ok(request.includes('service') && request.includes('com.example.EchoService:1.0'));
    assert.deepEqual([...response.subarray(0, 5)], [1, 0, 0, 2, 1], 'proto 1, response, cmdcode RPC_RESPONSE, ver2 1');
    assert.deepEqual(response.subarray(5, 9), request.subarray(5, 9), 'same request id');
    assert.equal(response.readUInt16BE(10), 0, 'status SUCCESS');
    assert.equal(response.subarray(20, 20 + response.readUInt16BE(12)).toString(), SOFA_RESPONSE);
    assert.ok(response.includes(answer(RECORDER, '1.0', RECORDED_MESSAGE)));
  });

  test('bolt v2: proto 2 with ver1 1 and no CRC; v2-crc: ver1 2, switch 1 and a valid CRC32 trailer', () => {
    for (const frame of [echo['bolt-v2'].request, echo['bolt-v2'].response]) {
      assert.deepEqual([frame[0], frame[1], frame[11]], [2, 1, 0]);
    }
    for (const frame of [echo['bolt-v2-crc'].request, echo['bolt-v2-crc'].response]) {
      assert.deepEqual([frame[0], frame[1], frame[11]], [2, 2, 1]);
      assert.equal(frame.readUInt32BE(frame.length - 4), crc32(frame.subarray(0, frame.length - 4)));
    }
    assert.equal(echo['bolt-v2'].response[2], 0, 'response type');
  });

  test('bolt: fail() is a SUCCESS status whose SofaResponse carries the business exception', () => {
    const { response } = fail['bolt-v1'];
    assert.equal(response.readUInt16BE(10), 0);
    assert.ok(response.includes(ECHO_EXCEPTION) && response.includes(failMessage(RECORDER)));
  });

  test('every recorded request, replayed to a fresh server, brings back the recorded response', async () => {
    const dubbo = await startDubboProvider({ name: RECORDER });
    const bolt = await startBoltServer({ name: RECORDER });
    try {
      for (const frames of [echo, fail]) {
        for (const source of FRAME_SOURCES) {
          const port = source === 'dubbo' ? dubbo.port : bolt.port;
          assert.deepEqual(await exchange(wire(source), port, frames[source].request), frames[source].response, source);
        }
      }
    } finally {
      await Promise.all([dubbo.close(), bolt.close()]);
    }
  });
});
