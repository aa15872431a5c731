// invoke() against real apache-dubbo-service providers: first over a plain socket (value, null,
// business exception, unknown version, server error, timeouts), then through the mesh's relay —
// routing by version across providers, retries and backup requests on an idempotent route, none
// on a route that is not, and the mesh's own failures as MeshErrors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { invoke, type InvokeOptions } from '../../../src/api/invoke.ts';
import { createMesh, type Mesh } from '../../../src/api/mesh.ts';
import { RpcError, RpcServerError } from '../../../src/api/rpc-errors.ts';
import { MeshError } from '../../../src/core/errors.ts';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { builtinProtocols } from '../../../src/protocols/xprotocol/builtin-protocols.ts';
import { connectDirectRelay, type DirectRelay } from '../../protocols/invoke/direct-relay.ts';
import { IDEMPOTENT, rpcBootstrap, rpcCluster, serviceListener, staticBackup } from '../../protocols/xprotocol-relay/relay-bootstrap.ts';
import { type DubboProvider, startDubboProvider } from './dubbo-peers.ts';
import { answer, ECHO_INTERFACE, failMessage } from './echo-service.ts';

const registry = builtinProtocols();
const call = (options: Partial<InvokeOptions> & { method: string }): InvokeOptions => ({ protocol: 'dubbo', service: ECHO_INTERFACE, version: '1.0.0', timeout: 5000, ...options });

describe('invoke → a Dubbo provider over a plain socket', () => {
  let provider: DubboProvider;
  let direct: DirectRelay;

  before(async () => {
    provider = await startDubboProvider({ name: 'direct', versions: ['1.0.0'] });
    direct = await connectDirectRelay(dubboCodec, provider);
  });
  after(async () => {
    await direct.close();
    await provider.close();
  });

  it('a value: the provider decodes the call as sent — service, version, method, arguments, attachments', async () => {
    const value = await invoke(direct.relay, registry, call({ method: 'echo', args: ['hi'], attachments: { tenant: 'acme' } }));
    assert.equal(value, answer('direct', '1.0.0', 'hi'));
    const served = provider.calls.at(-1)!;
    assert.deepEqual([served.service, served.version, served.group, served.method, served.args], [ECHO_INTERFACE, '1.0.0', '', 'echo', ['hi']]);
    assert.deepEqual([served.props.timeout, served.props.tenant, served.props.interface], ['5000', 'acme', ECHO_INTERFACE]);
    const typed = await invoke(direct.relay, registry, call({ method: 'slow', args: [{ $class: 'java.lang.String', $: 'typed' }, { $class: 'int', $: 1 }] }));
    assert.equal(typed, answer('direct', '1.0.0', 'typed'));
  });

  it('null: a method that returns null resolves with null', async () => {
    assert.equal(await invoke(direct.relay, registry, call({ method: 'nothing' })), null);
  });

  it("a business exception rejects with RpcError carrying the provider's message", async () => {
    await assert.rejects(invoke(direct.relay, registry, call({ method: 'fail' })), (error: unknown) => {
      assert.ok(error instanceof RpcError);
      assert.deepEqual([error.protocol, error.method, error.remoteMessage], ['dubbo', 'fail', failMessage('direct')]);
      return true;
    });
  });

  it('a version the provider does not serve rejects with RpcServerError SERVICE_NOT_FOUND', async () => {
    await assert.rejects(invoke(direct.relay, registry, call({ method: 'echo', version: '9.9.9', args: ['x'] })), (error: unknown) => {
      assert.ok(error instanceof RpcServerError);
      assert.deepEqual([error.status, error.statusName], [60, 'SERVICE_NOT_FOUND']);
      assert.match(error.remoteMessage, /version:9\.9\.9/);
      return true;
    });
  });

  it('a failing server rejects with RpcServerError SERVER_ERROR', async () => {
    provider.setFault('error');
    try {
      await assert.rejects(invoke(direct.relay, registry, call({ method: 'echo', args: ['x'] })), { name: 'RpcServerError', status: 80, statusName: 'SERVER_ERROR' });
    } finally {
      provider.setFault('none');
    }
  });

  it('timeouts: an answer later than the timeout rejects with SIDELET_TIMEOUT and drops the call; one in time resolves', async () => {
    await assert.rejects(invoke(direct.relay, registry, call({ method: 'slow', args: ['late', 5000], timeout: 100 })), { name: 'MeshError', code: 'SIDELET_TIMEOUT' });
    assert.equal(direct.pending(), 0, 'the timed-out call no longer waits on the connection');
    assert.equal(await invoke(direct.relay, registry, call({ method: 'slow', args: ['in time', 10], timeout: 5000 })), answer('direct', '1.0.0', 'in time'));
  });
});

describe('mesh.invoke → mesh.relay → Dubbo providers', () => {
  // v1 is served by two providers (for retries and backups), v2 by one.
  let providers: { a1: DubboProvider; a2: DubboProvider; b: DubboProvider };
  let mesh: Mesh;

  const retryPolicy = {
    retry_on: '5xx',
    num_retries: 1,
    retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
  };
  const version = (exact: string) => [{ name: 'version', string_match: { exact } }];

  before(async () => {
    const [a1, a2, b] = await Promise.all([startDubboProvider({ name: 'a1', versions: ['1.0.0'] }), startDubboProvider({ name: 'a2', versions: ['1.0.0'] }), startDubboProvider({ name: 'b', versions: ['2.0.0'] })]);
    providers = { a1, a2, b };
    const bootstrap = rpcBootstrap(
      [
        serviceListener(ECHO_INTERFACE, [
          // echo may run twice: retried and backed up. slow must not: the same retry policy, no idempotent mark.
          { match: { path: `/${ECHO_INTERFACE}/echo`, headers: version('1.0.0') }, metadata: IDEMPOTENT, route: { cluster: 'v1', retry_policy: retryPolicy }, typed_per_filter_config: staticBackup('0.1s') },
          { match: { path: `/${ECHO_INTERFACE}/slow`, headers: version('1.0.0') }, route: { cluster: 'v1', retry_policy: retryPolicy }, typed_per_filter_config: staticBackup('0.1s') },
          { match: { prefix: '/', headers: version('2.0.0') }, route: { cluster: 'v2' } },
        ]),
      ],
      [rpcCluster('v1', [a1.port, a2.port]), rpcCluster('v2', [b.port])],
    );
    mesh = await createMesh({ bootstrap, mode: 'inline' });
  });
  after(async () => {
    await mesh.close();
    await Promise.all(Object.values(providers).map((provider) => provider.close()));
  });

  it('routes by version: 1.0.0 to the v1 providers, 2.0.0 to the v2 one, an unknown version to no route', async () => {
    const v1 = await mesh.invoke(call({ method: 'echo', args: ['m'] }));
    assert.ok(v1 === answer('a1', '1.0.0', 'm') || v1 === answer('a2', '1.0.0', 'm'), String(v1));
    assert.equal(await mesh.invoke(call({ method: 'echo', version: '2.0.0', args: ['m'] })), answer('b', '2.0.0', 'm'));
    await assert.rejects(mesh.invoke(call({ method: 'echo', version: '3.0.0', args: ['m'] })), (error: unknown) => {
      assert.ok(error instanceof MeshError);
      assert.equal(error.code, 'SIDELET_NO_ROUTE');
      return true;
    });
  });

  it('retries an idempotent method on the other provider when one fails', async () => {
    providers.a1.setFault('error');
    try {
      const before = providers.a1.calls.length;
      for (let i = 0; i < 4; i++) assert.equal(await mesh.invoke(call({ method: 'echo', args: [`r${i}`] })), answer('a2', '1.0.0', `r${i}`));
      assert.ok(providers.a1.calls.length > before, 'the failing provider was tried first at least once');
    } finally {
      providers.a1.setFault('none');
    }
  });

  it('sends a backup request to the other provider when one does not answer', async () => {
    providers.a1.setFault('hang');
    try {
      const before = providers.a1.calls.length;
      for (let i = 0; i < 4; i++) assert.equal(await mesh.invoke(call({ method: 'echo', args: [`b${i}`] })), answer('a2', '1.0.0', `b${i}`));
      assert.ok(providers.a1.calls.length > before, 'the silent provider was tried first at least once');
    } finally {
      providers.a1.setFault('none');
    }
  });

  it('does not run a method twice when its route is not marked idempotent', async () => {
    providers.a1.setFault('error');
    try {
      const before = providers.a1.calls.length + providers.a2.calls.length;
      // Round robin sends one of two calls to the failing provider: that one fails, unretried.
      const outcomes = await Promise.allSettled([0, 1].map((i) => mesh.invoke(call({ method: 'slow', args: [`s${i}`, 1] }))));
      const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
      assert.equal(failures.length, 1, JSON.stringify(outcomes));
      assert.ok(failures[0]!.status === 'rejected' && failures[0]!.reason instanceof RpcServerError && failures[0]!.reason.status === 80);
      assert.equal(providers.a1.calls.length + providers.a2.calls.length - before, 2, 'each call reached one provider once');
    } finally {
      providers.a1.setFault('none');
    }
  });

  it("the caller's timeout bounds the call in the mesh: SIDELET_TIMEOUT", async () => {
    await assert.rejects(mesh.invoke(call({ method: 'slow', args: ['late', 5000], timeout: 150 })), { name: 'MeshError', code: 'SIDELET_TIMEOUT' });
  });
});

describe('mesh.invoke → mesh.relay in worker mode', () => {
  it('routes a call to the provider of its version from a data-plane thread', async () => {
    const provider = await startDubboProvider({ name: 'w', versions: ['1.0.0'] });
    const mesh = await createMesh({ mode: 'worker', workers: 1, bootstrap: rpcBootstrap([serviceListener(ECHO_INTERFACE, [{ match: { prefix: '/' }, route: { cluster: 'w' } }])], [rpcCluster('w', [provider.port])]) });
    try {
      assert.equal(await mesh.invoke(call({ method: 'echo', args: ['worker'] })), answer('w', '1.0.0', 'worker'));
      await assert.rejects(mesh.invoke(call({ method: 'fail' })), { name: 'RpcError', remoteMessage: failMessage('w') });
    } finally {
      await mesh.close();
      await provider.close();
    }
  });
});
