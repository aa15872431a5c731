// invoke's frames beside the real clients' frames off the wire (dubbo2.js, sofa-bolt-node in v1,
// v2 and v2 with CRC32), field by field as each server's decoder reads them; and the same call
// sent by invoke's encoder to a fresh server brings back the real client's answer byte for byte.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { type BoltWireVersion, encodeBoltRequest } from '../../../src/protocols/bolt/bolt-request-encoder.ts';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { encodeDubboRequest } from '../../../src/protocols/dubbo/dubbo-request-encoder.ts';
import type { XProtocolCodec } from '../../../src/protocols/xprotocol/codec.ts';
import { javaArgs } from '../../../src/protocols/xprotocol/java-args.ts';
import { connectDirectRelay } from '../../protocols/invoke/direct-relay.ts';
import { boltRequestFields, dubboBodyFields } from '../../protocols/invoke/wire-fields.ts';
import { BOLT_ECHO_SERVICE, startBoltServer } from './bolt-peers.ts';
import { startDubboProvider } from './dubbo-peers.ts';
import { ECHO_INTERFACE } from './echo-service.ts';
import { RECORDED_MESSAGE, RECORDER, type RecordedFrames, recordFrames } from './record-frames.ts';

/** The timeout the recording clients send (the fixtures' default). */
const TIMEOUT_MS = 3000;

/** Sends `frame` to a fresh server through a plain socket and returns its answer's bytes. */
async function answerOf(codec: XProtocolCodec, server: { host: string; port: number; close(): Promise<void> }, frame: Buffer): Promise<Buffer> {
  const direct = await connectDirectRelay(codec, server);
  try {
    const decoded = codec.decode(frame);
    if (decoded.kind === 'error') assert.fail(decoded.reason);
    const answer = await direct.relay(decoded.frame, new AbortController().signal);
    assert.ok(answer !== undefined);
    return answer;
  } finally {
    await direct.close();
    await server.close();
  }
}

describe("invoke's frames beside the real clients' frames", () => {
  let recorded: RecordedFrames;
  before(async () => {
    recorded = await recordFrames('echo');
  });

  it('dubbo: the body holds what dubbo2.js sent, field by field', () => {
    const theirs = recorded.dubbo.request;
    const ours = encodeDubboRequest({ service: ECHO_INTERFACE, method: 'echo', version: '1.0.0', args: javaArgs([RECORDED_MESSAGE], 'args'), attachments: { application: 'dubbo2.js' }, timeoutMs: TIMEOUT_MS }, theirs.readBigInt64BE(4));
    assert.deepEqual(ours.subarray(0, 12), theirs.subarray(0, 12), 'magic, flags, status and id');
    const [a, b] = [dubboBodyFields(ours), dubboBodyFields(theirs)];
    // dubbo2.js writes the timeout attachment as an int, invoke as the string Dubbo 2.6 expects.
    assert.deepEqual(a, { ...b, attachments: { ...b.attachments, timeout: String(TIMEOUT_MS) } });
  });

  it("dubbo: the provider answers invoke's frame as it answered dubbo2.js's, byte for byte", async () => {
    const theirs = recorded.dubbo.request;
    const ours = encodeDubboRequest({ service: ECHO_INTERFACE, method: 'echo', version: '1.0.0', args: javaArgs([RECORDED_MESSAGE], 'args'), timeoutMs: TIMEOUT_MS }, theirs.readBigInt64BE(4));
    assert.deepEqual(await answerOf(dubboCodec, await startDubboProvider({ name: RECORDER }), ours), recorded.dubbo.response);
  });

  for (const wire of ['v1', 'v2', 'v2-crc'] as BoltWireVersion[]) {
    const source = `bolt-${wire}` as const;

    it(`bolt ${wire}: the request holds what sofa-bolt-node sent, field by field`, () => {
      const theirs = recorded[source].request;
      const id = theirs.readUInt32BE(wire === 'v1' ? 5 : 6);
      const ours = encodeBoltRequest({ service: BOLT_ECHO_SERVICE, method: 'echo', args: javaArgs([RECORDED_MESSAGE], 'args'), timeoutMs: TIMEOUT_MS, wire }, id);
      const [a, b] = [boltRequestFields(ours), boltRequestFields(theirs)];
      assert.deepEqual([a.packetId, a.className, a.data, a.options], [b.packetId, b.className, b.data, b.options]);
    });

    it(`bolt ${wire}: the server answers invoke's frame as it answered sofa-bolt-node's, byte for byte`, async () => {
      const theirs = recorded[source].request;
      const id = theirs.readUInt32BE(wire === 'v1' ? 5 : 6);
      const ours = encodeBoltRequest({ service: BOLT_ECHO_SERVICE, method: 'echo', args: javaArgs([RECORDED_MESSAGE], 'args'), timeoutMs: TIMEOUT_MS, wire }, id);
      assert.deepEqual(await answerOf(boltCodec, await startBoltServer({ name: RECORDER }), ours), recorded[source].response);
    });
  }
});
