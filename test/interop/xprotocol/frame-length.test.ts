// Frame lengths from hand-built headers: partial headers wait, bad lead bytes are named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameLength, singleFrame } from './frame-length.ts';

function dubboFrame(body: number): Buffer {
  const frame = Buffer.alloc(16 + body);
  frame.writeUInt16BE(0xdabb, 0);
  frame.writeUInt32BE(body, 12);
  return frame;
}

test('dubbo: 16-byte header plus the body length; a short header waits; bad magic is named', () => {
  assert.equal(frameLength('dubbo', dubboFrame(5)), 21);
  assert.equal(frameLength('dubbo', dubboFrame(5).subarray(0, 15)), undefined);
  assert.throws(() => frameLength('dubbo', Buffer.from([0xca, 0xfe, 0, 0])), /dubbo frame: magic is 0xcafe, expected 0xdabb/);
});

test('bolt v1 and v2: header by command type plus class, header and content lengths; v2 CRC adds 4', () => {
  const v1Request = Buffer.alloc(22);
  v1Request.set([1, 1]);
  v1Request.writeUInt16BE(3, 14);
  v1Request.writeUInt16BE(4, 16);
  v1Request.writeUInt32BE(5, 18);
  assert.equal(frameLength('bolt', v1Request), 22 + 12);

  const v1Response = Buffer.alloc(20);
  v1Response.set([1, 0]);
  v1Response.writeUInt16BE(3, 12);
  v1Response.writeUInt32BE(7, 16);
  assert.equal(frameLength('bolt', v1Response), 20 + 10);

  const v2Request = Buffer.alloc(24);
  v2Request.set([2, 2, 1]);
  v2Request[11] = 1;
  v2Request.writeUInt32BE(9, 20);
  assert.equal(frameLength('bolt', v2Request), 24 + 9 + 4);

  const v2Response = Buffer.alloc(22);
  v2Response.set([2, 1, 0]);
  v2Response.writeUInt16BE(2, 14);
  assert.equal(frameLength('bolt', v2Response), 22 + 2);

  assert.equal(frameLength('bolt', v2Request.subarray(0, 23)), undefined);
  assert.throws(() => frameLength('bolt', Buffer.from([7])), /bolt frame: proto byte is 7, expected 1 \(v1\) or 2 \(v2\)/);
});

test('singleFrame takes exactly one frame and names the stream otherwise', () => {
  const frame = dubboFrame(2);
  assert.equal(singleFrame('dubbo', frame, 'x'), frame);
  assert.throws(() => singleFrame('dubbo', frame.subarray(0, 17), 'req stream'), /req stream: 17 bytes hold no complete dubbo frame \(header says 18\)/);
  assert.throws(() => singleFrame('dubbo', Buffer.concat([frame, frame]), 'req stream'), /req stream: 18 bytes follow the first dubbo frame of 18/);
});
