// The x-protocol transport against scriptable Dubbo and Bolt upstreams on 127.0.0.1: one
// multiplexed connection per endpoint with ids of its own, answers in any order, cancellation,
// failures of a broken or refused connection, heartbeats both ways, READONLY draining.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RpcCall } from '../../../src/core/call/rpc-call.ts';
import type { Endpoint } from '../../../src/core/model/endpoint.ts';
import { DEFAULT_CIRCUIT_BREAKERS } from '../../../src/core/model/policy-circuit-breakers.ts';
import { BOLT_PROTOCOL } from '../../../src/protocols/bolt/bolt-codec.ts';
import { DUBBO_PROTOCOL } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { XProtocolTransport } from '../../../src/protocols/xprotocol/xprotocol-transport.ts';
import { assignment, cluster, endpoint, locality } from '../../core/lb/fixtures.ts';
import { boltRequest, ECHO_REQUEST, V2_CRC } from '../bolt/fixtures.ts';
import { dubboFrameOf, dubboRequest, hessianBody } from '../dubbo/fixtures.ts';
import { recorder, refusedEndpoint, upstreamRequest, type Answer } from '../http/servers.ts';
import { type RawUpstream, servedBy, startRawUpstream } from './raw-peers.ts';

const DUBBO: RpcCall = { protocol: DUBBO_PROTOCOL, oneway: false, timeoutMs: undefined };
const BOLT: RpcCall = { protocol: BOLT_PROTOCOL, oneway: false, timeoutMs: undefined };

function transportFor(hosts: readonly Endpoint[], options: ConstructorParameters<typeof XProtocolTransport>[0] = {}): XProtocolTransport {
  const transport = new XProtocolTransport({ log: () => {}, ...options });
  transport.setCluster(cluster({ name: 'svc' }), assignment([locality(hosts)]));
  return transport;
}

function send(transport: XProtocolTransport, host: Endpoint, frame: Buffer, call: RpcCall = DUBBO): { answer: Promise<Answer>; cancel: () => void; calls: () => number } {
  const { handler, answer, calls } = recorder();
  const control = transport.forFrame(frame, call).send(upstreamRequest('svc', host), handler);
  return { answer, cancel: () => control.cancel(), calls };
}

function frameOf(answer: Answer): Buffer {
  if (answer.kind !== 'response') throw new Error(`expected a response, got ${answer.failure}: ${answer.detail}`);
  return answer.response.body as Buffer;
}

describe('x-protocol transport', () => {
  let upstream: RawUpstream;
  let host: Endpoint;

  before(async () => {
    upstream = await startRawUpstream('up');
    host = endpoint(`127.0.0.1:${upstream.port}`);
  });
  after(() => upstream.close());

  it('multiplexes calls on one connection with ids of its own; answers find their calls in any order', async () => {
    const transport = transportFor([host]);
    try {
      const before = upstream.accepted();
      // The first call is answered last.
      upstream.behave((frame) => (frame.headers.get('method') === 'slow' ? { delayMs: 100 } : 'answer'));
      const slow = send(transport, host, dubboRequest({ id: 7, method: 'slow' }));
      const fast = send(transport, host, dubboRequest({ id: 7, method: 'echo' }));
      const [slowAnswer, fastAnswer] = await Promise.all([slow.answer, fast.answer]);
      assert.match(frameOf(slowAnswer).toString('latin1'), /method=slow/);
      assert.match(frameOf(fastAnswer).toString('latin1'), /method=echo/);
      assert.equal(upstream.accepted() - before, 1, 'one connection for both calls');
      const ids = upstream.calls().slice(-2).map((f) => f.requestId);
      assert.notEqual(ids[0], ids[1], 'the same caller id became two ids on the connection');
      assert.ok(ids.every((id) => typeof id === 'bigint' && id > 0n));
      assert.equal(slowAnswer.kind === 'response' && slowAnswer.response.status, 200);
    } finally {
      await transport.close();
    }
  });

  it('classifies answers with the codec: a Dubbo SERVER_ERROR is a 503, a Bolt server exception a 500', async () => {
    const transport = transportFor([host]);
    try {
      upstream.behave(() => 'error');
      const dubbo = await send(transport, host, dubboRequest()).answer;
      const bolt = await send(transport, host, boltRequest(3, ECHO_REQUEST, V2_CRC), BOLT).answer;
      assert.equal(dubbo.kind === 'response' && dubbo.response.status, 503);
      assert.equal(bolt.kind === 'response' && bolt.response.status, 500);
    } finally {
      upstream.behave(() => 'answer');
      await transport.close();
    }
  });

  it('a Bolt v2 frame with CRC goes out with its id and checksum rewritten, and the upstream accepts it', async () => {
    const transport = transportFor([host]);
    try {
      const answer = await send(transport, host, boltRequest(4242, ECHO_REQUEST, V2_CRC), BOLT).answer;
      assert.equal(servedBy(frameOf(answer)), 'up');
      const seen = upstream.calls().at(-1)!;
      assert.notEqual(seen.requestId, 4242);
    } finally {
      await transport.close();
    }
  });

  it('a cancelled call drops its id: the late answer is ignored and the handler never called', async () => {
    const transport = transportFor([host]);
    try {
      upstream.behave(() => ({ delayMs: 50 }));
      const cancelled = send(transport, host, dubboRequest({ method: 'late' }));
      const count = upstream.frames.length;
      await upstream.until(() => upstream.frames.length > count, 'the call to arrive');
      cancelled.cancel();
      // A second call on the same connection is answered after the first one's late answer.
      upstream.behave(() => ({ delayMs: 100 }));
      const next = await send(transport, host, dubboRequest({ method: 'next' })).answer;
      assert.match(frameOf(next).toString('latin1'), /method=next/);
      assert.equal(cancelled.calls(), 0);
    } finally {
      upstream.behave(() => 'answer');
      await transport.close();
    }
  });

  it('a connection the upstream closes fails every call in flight with reset; the next call gets a new connection', async () => {
    const transport = transportFor([host]);
    try {
      upstream.behave((frame) => (frame.headers.get('method') === 'crash' ? 'close' : 'hang'));
      const count = upstream.calls().length;
      const first = send(transport, host, dubboRequest({ method: 'hang' }));
      const second = send(transport, host, dubboRequest({ method: 'hang' }));
      await upstream.until(() => upstream.calls().length >= count + 2, 'the calls to arrive');
      const crash = send(transport, host, dubboRequest({ method: 'crash' }));
      const answers = await Promise.all([first.answer, second.answer, crash.answer]);
      for (const answer of answers) {
        assert.equal(answer.kind, 'failure');
        assert.equal(answer.kind === 'failure' && answer.failure, 'reset');
      }
      upstream.behave(() => 'answer');
      const accepted = upstream.accepted();
      const again = await send(transport, host, dubboRequest()).answer;
      assert.equal(servedBy(frameOf(again)), 'up');
      assert.equal(upstream.accepted(), accepted + 1);
    } finally {
      upstream.behave(() => 'answer');
      await transport.close();
    }
  });

  it('a refused connection fails its calls with connect-failure, naming the endpoint', async () => {
    const refused = await refusedEndpoint();
    const transport = transportFor([refused]);
    try {
      const answers = await Promise.all([send(transport, refused, dubboRequest()).answer, send(transport, refused, dubboRequest()).answer]);
      for (const answer of answers) {
        assert.equal(answer.kind === 'failure' && answer.failure, 'connect-failure');
        assert.match(answer.kind === 'failure' ? answer.detail : '', new RegExp(`${refused.id}.*ECONNREFUSED`));
      }
    } finally {
      await transport.close();
    }
  });

  it('a cluster with TLS fails its calls rather than sending them in plaintext', async () => {
    const transport = new XProtocolTransport({ log: () => {} });
    const tls = { sni: undefined, trustedCa: undefined, verifyChain: true, clientCertificate: undefined, alpnProtocols: [], subjectAltNames: [], minVersion: undefined, maxVersion: undefined };
    transport.setCluster(cluster({ name: 'secure', tls }), assignment([locality([host])]));
    try {
      const { handler, answer } = recorder();
      transport.forFrame(dubboRequest(), DUBBO).send(upstreamRequest('secure', host), handler);
      const result = await answer;
      assert.equal(result.kind === 'failure' && result.failure, 'connect-failure');
      assert.match(result.kind === 'failure' ? result.detail : '', /cluster "secure" has a TLS transport_socket; sidelet\.protocol\.dubbo upstream connections are plaintext only/);
    } finally {
      await transport.close();
    }
  });

  it('calls waiting for a connection to come up are pending: beyond max_pending_requests they overflow unsent', async () => {
    const transport = new XProtocolTransport({ log: () => {} });
    const thresholds = { ...DEFAULT_CIRCUIT_BREAKERS.thresholds.DEFAULT, maxPendingRequests: 2 };
    const circuitBreakers = { ...DEFAULT_CIRCUIT_BREAKERS, thresholds: { DEFAULT: thresholds, HIGH: thresholds } };
    transport.setCluster(cluster({ name: 'svc', circuitBreakers }), assignment([locality([host])]));
    try {
      const before = upstream.calls().length;
      // Sent in one turn: the new connection cannot have connected yet, so all three wait for it.
      const first = send(transport, host, dubboRequest({ method: 'echo' }));
      const second = send(transport, host, dubboRequest({ method: 'echo' }));
      const third = send(transport, host, dubboRequest({ method: 'echo' }));
      const overflow = await third.answer;
      assert.equal(overflow.kind === 'failure' && overflow.failure, 'overflow');
      assert.match(overflow.kind === 'failure' ? overflow.detail : '', /max_pending_requests \(2\) reached in cluster "svc"/);
      assert.equal((await first.answer).kind, 'response');
      assert.equal((await second.answer).kind, 'response');
      assert.equal(upstream.calls().length - before, 2, 'the overflowed call was never sent');
      // Once the connection is up nothing waits: calls go straight out.
      const later = await Promise.all([1, 2, 3].map(() => send(transport, host, dubboRequest({ method: 'echo' })).answer));
      assert.deepEqual(later.map((a) => a.kind), ['response', 'response', 'response']);
    } finally {
      await transport.close();
    }
  });

  it('a oneway call answers once written; the upstream gets it', async () => {
    const transport = transportFor([host]);
    try {
      const count = upstream.calls().length;
      const answer = await send(transport, host, boltRequest(9, { ...ECHO_REQUEST, oneway: true }, V2_CRC), { ...BOLT, oneway: true }).answer;
      assert.equal(answer.kind === 'response' && answer.response.body, undefined);
      await upstream.until(() => upstream.calls().length > count, 'the oneway call');
      assert.equal(upstream.calls().at(-1)!.kind, 'oneway');
    } finally {
      await transport.close();
    }
  });

  it('an idle connection sends heartbeats and answers the upstream\'s', async () => {
    const transport = transportFor([host], { heartbeatIntervalMs: 20 });
    try {
      await send(transport, host, dubboRequest()).answer;
      const count = upstream.frames.length;
      await upstream.until(() => upstream.frames.slice(count).some((f) => f.kind === 'heartbeat-request'), 'a heartbeat from the mesh');
      const heartbeat = dubboFrameOf(0xe2, 0, 99n, hessianBody(null));
      upstream.broadcast(heartbeat);
      await upstream.until(() => upstream.frames.some((f) => f.kind === 'heartbeat-response' && f.requestId === 99n), 'the mesh to answer the upstream\'s heartbeat');
    } finally {
      await transport.close();
    }
  });

  it('a connection whose upstream stops answering heartbeats is closed, failing its calls with reset', async () => {
    const lines: string[] = [];
    const transport = transportFor([host], { heartbeatIntervalMs: 20, heartbeatMisses: 2, log: (line) => lines.push(line) });
    try {
      upstream.answerHeartbeats(false);
      upstream.behave(() => 'hang');
      const answer = await send(transport, host, dubboRequest()).answer;
      assert.equal(answer.kind === 'failure' && answer.failure, 'reset');
      assert.match(answer.kind === 'failure' ? answer.detail : '', /no frame in 3 heartbeat intervals of 20 ms/);
      assert.equal(lines.length, 1);
    } finally {
      upstream.answerHeartbeats(true);
      upstream.behave(() => 'answer');
      await transport.close();
    }
  });

  it('a Dubbo READONLY event drains the connection: calls in flight are answered, new ones go on a new connection', async () => {
    const transport = transportFor([host]);
    try {
      upstream.behave(() => ({ delayMs: 100 }));
      const count = upstream.calls().length;
      const inFlight = send(transport, host, dubboRequest({ method: 'before' }));
      await upstream.until(() => upstream.calls().length > count, 'the first call');
      const accepted = upstream.accepted();
      // READONLY (an event, hessian2, whose body is the string "R") goes out before the answer on the same socket.
      upstream.broadcast(dubboFrameOf(0x22, 20, 0n, hessianBody('R')));
      assert.match(frameOf(await inFlight.answer).toString('latin1'), /method=before/);
      upstream.behave(() => 'answer');
      const after = await send(transport, host, dubboRequest({ method: 'after' })).answer;
      assert.match(frameOf(after).toString('latin1'), /method=after/);
      assert.equal(upstream.accepted(), accepted + 1, 'the call after READONLY opened a new connection');
    } finally {
      upstream.behave(() => 'answer');
      await transport.close();
    }
  });
});
