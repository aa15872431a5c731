// mesh.relay() of Dubbo and Bolt request frames, inline and in worker mode, against scriptable
// upstreams on 127.0.0.1: routing by service, version and method, the caller's request id on every
// answer, hijacked answers for mesh failures, retries and backup requests only for idempotent
// routes, the frame's timeout as the call's deadline, connect failures retried, oneway calls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMesh, type Mesh } from '../../../src/api/mesh.ts';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { type DubboFrame, dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import type { XFrame } from '../../../src/protocols/xprotocol/frame.ts';
import { boltRequest, ECHO_REQUEST, echoProto, V2_CRC } from '../bolt/fixtures.ts';
import { dubbo2jsHeartbeat, dubboRequest, type RequestOptions } from '../dubbo/fixtures.ts';
import { refusedEndpoint } from '../http/servers.ts';
import { type RawUpstream, servedBy, startRawUpstream } from './raw-peers.ts';
import { IDEMPOTENT, rpcBootstrap, rpcCluster, rpcListener, serviceListener, staticBackup } from './relay-bootstrap.ts';

const ECHO = 'com.example.EchoService';
const RETRY = 'com.example.RetryService';
const SLOW = 'com.example.SlowService';
const GONE = 'com.example.GoneService';
const BOLT_ECHO = 'com.example.EchoService:1.0';
const RETRY_5XX = { retry_on: '5xx,connect-failure', num_retries: 2 };

function decoded(bytes: Buffer): XFrame {
  const codec = bytes[0] === 0xda ? dubboCodec : boltCodec;
  const result = codec.decode(bytes);
  if (result.kind === 'error') throw new Error(result.reason);
  return result.frame;
}

const dubbo = (options: RequestOptions): XFrame => decoded(dubboRequest(options));

/** A two-way request made oneway: the two-way flag (0x40) cleared. */
function oneway(bytes: Buffer): Buffer {
  bytes[2] = bytes[2]! & ~0x40;
  return bytes;
}

for (const mode of ['inline', 'worker'] as const) {
  describe(`mesh.relay (${mode})`, () => {
    const up: Record<string, RawUpstream> = {};
    let mesh: Mesh;

    before(async () => {
      for (const name of ['a', 'c', 'x', 'y', 'h', 'f', 'ok']) up[name] = await startRawUpstream(name);
      up.x!.behave(() => 'error');
      up.h!.behave(() => 'hang');
      const refused = await refusedEndpoint();
      const echoRoutes = [
        { match: { prefix: `/${ECHO}/`, headers: [{ name: 'version', string_match: { exact: '2.0.0' } }] }, route: { cluster: 'v2' } },
        { match: { prefix: `/${ECHO}/` }, route: { cluster: 'v1' } },
      ];
      mesh = await createMesh({
        mode,
        workers: 1,
        bootstrap: rpcBootstrap(
          [
            serviceListener(ECHO, echoRoutes),
            serviceListener(RETRY, [
              { match: { path: `/${RETRY}/get` }, route: { cluster: 'retry', timeout: '5s', retry_policy: RETRY_5XX }, metadata: IDEMPOTENT },
              { match: { prefix: `/${RETRY}/` }, route: { cluster: 'retry', timeout: '5s', retry_policy: RETRY_5XX } },
            ]),
            serviceListener(SLOW, [
              { match: { path: `/${SLOW}/get` }, route: { cluster: 'slow', timeout: '5s' }, metadata: IDEMPOTENT, typed_per_filter_config: staticBackup('0.05s') },
              { match: { prefix: `/${SLOW}/` }, route: { cluster: 'slow', timeout: '5s' }, typed_per_filter_config: staticBackup('0.05s') },
            ]),
            serviceListener(GONE, [{ match: { prefix: `/${GONE}/` }, route: { cluster: 'gone', retry_policy: RETRY_5XX } }]),
            serviceListener(BOLT_ECHO, [
              { match: { path: `/${BOLT_ECHO}/query` }, route: { cluster: 'v2' } },
              { match: { prefix: `/${BOLT_ECHO}/` }, route: { cluster: 'v1' } },
            ]),
            rpcListener('dubbo-outbound', [{ name: 'any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'v2' } }] }]),
          ],
          [
            rpcCluster('v1', [up.a!.port]),
            rpcCluster('v2', [up.c!.port]),
            rpcCluster('retry', [up.x!.port, up.y!.port]),
            rpcCluster('slow', [up.h!.port, up.f!.port]),
            rpcCluster('gone', [refused.port, up.ok!.port]),
          ],
        ),
      });
    });
    after(async () => {
      await mesh?.close({ deadlineMs: 1000 });
      await Promise.all(Object.values(up).map((u) => u.close()));
    });

    it('routes by service and version; the answer carries the caller\'s request id', async () => {
      const v2 = await mesh.relay(dubbo({ id: 4242, service: ECHO, version: '2.0.0' }));
      const v1 = await mesh.relay(dubbo({ id: 4243, service: ECHO, version: '1.0.0' }));
      assert.ok(v1 !== undefined && v2 !== undefined);
      assert.equal(servedBy(v2), 'c');
      assert.equal(servedBy(v1), 'a');
      assert.equal(decoded(v2).requestId, 4242n);
      assert.equal(decoded(v1).requestId, 4243n);
      assert.notEqual(up.c!.calls().at(-1)!.requestId, 4242n, 'the upstream saw an id of the connection\'s own');
    });

    it('a call no route takes gets Dubbo\'s SERVICE_NOT_FOUND naming the reason, with the caller\'s id', async () => {
      const answer = decoded((await mesh.relay(dubbo({ id: 9, service: 'com.example.Nowhere' })))!) as DubboFrame;
      assert.equal(answer.status, 60);
      assert.equal(answer.requestId, 9n);
      assert.match(answer.errorMessage ?? '', /^SIDELET_NO_ROUTE: no listener "com\.example\.Nowhere"/);
    });

    it('an idempotent method is retried on the other host after an error answer', async () => {
      for (let i = 0; i < 4; i++) assert.equal(servedBy((await mesh.relay(dubbo({ id: i, service: RETRY, method: 'get' })))!), 'y');
      assert.ok(up.x!.calls().length >= 1, 'round robin sent first attempts to the failing host');
    });

    it('a method not marked idempotent is never retried: the error answer comes back as it is', async () => {
      const before = up.x!.calls().length + up.y!.calls().length;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(decoded((await mesh.relay(dubbo({ id: i, service: RETRY, method: 'put' })))!).status!);
      assert.equal(up.x!.calls().length + up.y!.calls().length - before, 4, 'one attempt per call');
      assert.ok(statuses.includes(80), 'the failing host\'s SERVER_ERROR came back');
      assert.ok(statuses.includes(20));
    });

    it('an idempotent method gets a backup request that beats a host that never answers', async () => {
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        assert.equal(servedBy((await mesh.relay(dubbo({ id: i, service: SLOW, method: 'get' })))!), 'f');
        assert.ok(performance.now() - started < 4000, 'well before the route timeout');
      }
      assert.ok(up.h!.calls().some((f) => f.headers.get('method') === 'get'), 'round robin sent first attempts to the hanging host');
    });

    it('a method not marked idempotent gets no backup: the frame\'s timeout ends the call with SERVER_TIMEOUT', async () => {
      const before = up.h!.calls().length + up.f!.calls().length;
      const statuses: number[] = [];
      for (let i = 0; i < 2; i++) statuses.push(decoded((await mesh.relay(dubbo({ id: i, service: SLOW, method: 'put', timeout: 300 })))!).status!);
      assert.deepEqual(statuses.sort(), [20, 31]);
      assert.equal(up.h!.calls().length + up.f!.calls().length - before, 2, 'no backups');
    });

    it('a connect failure is retried even when not idempotent: the frame never left', async () => {
      for (let i = 0; i < 3; i++) assert.equal(servedBy((await mesh.relay(dubbo({ id: i, service: GONE, method: 'put' })))!), 'ok');
    });

    it('a oneway call is forwarded, and relay resolves with no answer', async () => {
      const count = up.a!.calls().length;
      const frame = decoded(oneway(dubboRequest({ id: 5, service: ECHO, method: 'notify' })));
      assert.equal(frame.kind, 'oneway');
      assert.equal(await mesh.relay(frame), undefined);
      await up.a!.until(() => up.a!.calls().length > count, 'the oneway call');
      assert.equal(up.a!.calls().at(-1)!.kind, 'oneway');
    });

    it('Bolt: routes by the method in the header map; a v2 CRC answer carries the caller\'s id and a valid checksum', async () => {
      const request = { ...ECHO_REQUEST, args: [{ message: 'hi' }] };
      const echo = await mesh.relay(decoded(boltRequest(77, request, { ...V2_CRC, codecType: 'protobuf', proto: echoProto })));
      const query = await mesh.relay(decoded(boltRequest(78, { ...request, methodName: 'query' }, { ...V2_CRC, codecType: 'protobuf', proto: echoProto })));
      assert.equal(servedBy(echo!), 'a');
      assert.equal(servedBy(query!), 'c');
      assert.equal(decoded(echo!).requestId, 77, 'decodes, so the checksum matches the rewritten id');
      assert.equal(decoded(query!).requestId, 78);
    });

    it('a dedicated listener routes by its own table whatever the service', async () => {
      assert.equal(servedBy((await mesh.relay(dubbo({ service: 'com.example.Anything' }), { listenerName: 'dubbo-outbound' }))!), 'c');
    });

    it('a heartbeat is answered at once, no upstream involved', async () => {
      const answer = decoded((await mesh.relay(decoded(dubbo2jsHeartbeat())))!);
      assert.equal(answer.kind, 'heartbeat-response');
    });

    it('a frame that is not a request is refused', async () => {
      const answer = decoded((await mesh.relay(dubbo({ service: ECHO })))!);
      await assert.rejects(mesh.relay(answer), /only request frames are relayed, not a response frame/);
    });
  });
}

describe('mesh.relay after close', () => {
  it('answers with the protocol\'s busy status instead of rejecting', async () => {
    const mesh = await createMesh({ mode: 'inline', bootstrap: rpcBootstrap([serviceListener(ECHO, [])], []) });
    await mesh.close();
    const answer = decoded((await mesh.relay(dubbo({ id: 3, service: ECHO })))!) as DubboFrame;
    assert.equal(answer.status, 100);
    assert.equal(answer.requestId, 3n);
    assert.match(answer.errorMessage ?? '', /SIDELET_OVERLOADED: the mesh is closed/);
  });
});
