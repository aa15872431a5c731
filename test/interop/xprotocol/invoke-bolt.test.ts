// invoke() against real sofa-bolt-node servers: first over a plain socket in v1, v2 and v2 with
// CRC32 (value, null, business exception, unknown service version, server error, timeouts), then
// through the mesh's relay — routing by SOFA unique name (interface:version), retries and backup
// requests on an idempotent route, none on a route that is not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { invoke, type InvokeOptions } from '../../../src/api/invoke.ts';
import { createMesh, type Mesh } from '../../../src/api/mesh.ts';
import { RpcError, RpcServerError } from '../../../src/api/rpc-errors.ts';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { builtinProtocols } from '../../../src/protocols/xprotocol/builtin-protocols.ts';
import { connectDirectRelay, type DirectRelay } from '../../protocols/invoke/direct-relay.ts';
import { IDEMPOTENT, rpcBootstrap, rpcCluster, serviceListener, staticBackup } from '../../protocols/xprotocol-relay/relay-bootstrap.ts';
import { type BoltServer, startBoltServer } from './bolt-peers.ts';
import { answer, ECHO_EXCEPTION, ECHO_INTERFACE, failMessage, faultMessage } from './echo-service.ts';

const registry = builtinProtocols();
const call = (options: Partial<InvokeOptions> & { method: string }): InvokeOptions => ({ protocol: 'bolt', service: ECHO_INTERFACE, version: '1.0', timeout: 5000, ...options });

describe('invoke → a SOFA Bolt server over a plain socket', () => {
  let server: BoltServer;
  let direct: DirectRelay;

  before(async () => {
    server = await startBoltServer({ name: 'direct' });
    direct = await connectDirectRelay(boltCodec, server);
  });
  after(async () => {
    await direct.close();
    await server.close();
  });

  for (const boltProtocol of ['v1', 'v2', 'v2-crc'] as const) {
    it(`${boltProtocol}: a value; the server decodes the call as sent — unique name, method, arguments, props, timeout`, async () => {
      const value = await invoke(direct.relay, registry, call({ method: 'echo', args: ['hi'], attachments: { tenant: 'acme' }, boltProtocol }));
      assert.equal(value, answer('direct', '1.0', 'hi'));
      const served = server.calls.at(-1)!;
      assert.deepEqual([served.protocol, served.service, served.method, served.args, served.props, served.timeoutMs], [boltProtocol, `${ECHO_INTERFACE}:1.0`, 'echo', ['hi'], { tenant: 'acme' }, 5000]);
    });
  }

  it('null: a method that returns null resolves with null', async () => {
    assert.equal(await invoke(direct.relay, registry, call({ method: 'nothing' })), null);
  });

  it('a business exception rejects with RpcError naming its Java class', async () => {
    await assert.rejects(invoke(direct.relay, registry, call({ method: 'fail' })), (error: unknown) => {
      assert.ok(error instanceof RpcError);
      assert.deepEqual([error.protocol, error.exceptionClass], ['bolt', ECHO_EXCEPTION]);
      assert.ok(error.remoteMessage.endsWith(failMessage('direct')), error.remoteMessage);
      return true;
    });
  });

  it('a version the server does not serve rejects with RpcServerError SERVER_EXCEPTION', async () => {
    await assert.rejects(invoke(direct.relay, registry, call({ method: 'echo', version: '9.9', args: ['x'] })), (error: unknown) => {
      assert.ok(error instanceof RpcServerError);
      assert.deepEqual([error.status, error.statusName], [2, 'SERVER_EXCEPTION']);
      assert.match(error.remoteMessage, /no service com\.example\.EchoService:9\.9/);
      return true;
    });
  });

  it('a failing server rejects with RpcServerError carrying its message', async () => {
    server.setFault('error');
    try {
      await assert.rejects(invoke(direct.relay, registry, call({ method: 'echo', args: ['x'] })), (error: unknown) => error instanceof RpcServerError && error.remoteMessage.endsWith(faultMessage('direct')));
    } finally {
      server.setFault('none');
    }
  });

  it('timeouts: an answer later than the timeout rejects with SIDELET_TIMEOUT and drops the call; one in time resolves', async () => {
    await assert.rejects(invoke(direct.relay, registry, call({ method: 'slow', args: ['late', 5000], timeout: 100 })), { name: 'MeshError', code: 'SIDELET_TIMEOUT' });
    assert.equal(direct.pending(), 0, 'the timed-out call no longer waits on the connection');
    assert.equal(await invoke(direct.relay, registry, call({ method: 'slow', args: ['in time', 10] })), answer('direct', '1.0', 'in time'));
  });
});

describe('mesh.invoke → mesh.relay → SOFA Bolt servers', () => {
  // 1.0 is served by two servers (for retries and backups), 2.0 by one.
  let servers: { a1: BoltServer; a2: BoltServer; b: BoltServer };
  let mesh: Mesh;
  const v1 = `${ECHO_INTERFACE}:1.0`;
  const v2 = `${ECHO_INTERFACE}:2.0`;

  before(async () => {
    const [a1, a2, b] = await Promise.all([startBoltServer({ name: 'a1', services: [v1] }), startBoltServer({ name: 'a2', services: [v1] }), startBoltServer({ name: 'b', services: [v2] })]);
    servers = { a1, a2, b };
    const retryPolicy = { retry_on: '5xx', num_retries: 1, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }] };
    const bootstrap = rpcBootstrap(
      [
        // Listeners are named by SOFA's unique name, so the version picks the listener.
        serviceListener(v1, [
          { match: { path: `/${v1}/echo` }, metadata: IDEMPOTENT, route: { cluster: 'v1', retry_policy: retryPolicy }, typed_per_filter_config: staticBackup('0.1s') },
          { match: { prefix: '/' }, route: { cluster: 'v1', retry_policy: retryPolicy } },
        ]),
        serviceListener(v2, [{ match: { prefix: '/' }, route: { cluster: 'v2' } }]),
      ],
      [rpcCluster('v1', [a1.port, a2.port]), rpcCluster('v2', [b.port])],
    );
    mesh = await createMesh({ bootstrap, mode: 'inline' });
  });
  after(async () => {
    await mesh.close();
    await Promise.all(Object.values(servers).map((server) => server.close()));
  });

  it('routes by version: 1.0 to its servers, 2.0 to its own, an unknown version to no route', async () => {
    const first = await mesh.invoke(call({ method: 'echo', args: ['m'] }));
    assert.ok(first === answer('a1', '1.0', 'm') || first === answer('a2', '1.0', 'm'), String(first));
    assert.equal(await mesh.invoke(call({ method: 'echo', version: '2.0', args: ['m'], boltProtocol: 'v2-crc' })), answer('b', '2.0', 'm'));
    await assert.rejects(mesh.invoke(call({ method: 'echo', version: '3.0', args: ['m'] })), { name: 'MeshError', code: 'SIDELET_NO_ROUTE' });
  });

  it('retries an idempotent method on the other server when one fails', async () => {
    servers.a1.setFault('error');
    try {
      const before = servers.a1.calls.length;
      for (let i = 0; i < 4; i++) assert.equal(await mesh.invoke(call({ method: 'echo', args: [`r${i}`] })), answer('a2', '1.0', `r${i}`));
      assert.ok(servers.a1.calls.length > before, 'the failing server was tried first at least once');
    } finally {
      servers.a1.setFault('none');
    }
  });

  it('sends a backup request to the other server when one does not answer', async () => {
    servers.a1.setFault('hang');
    try {
      const before = servers.a1.calls.length;
      for (let i = 0; i < 4; i++) assert.equal(await mesh.invoke(call({ method: 'echo', args: [`b${i}`], boltProtocol: 'v2' })), answer('a2', '1.0', `b${i}`));
      assert.ok(servers.a1.calls.length > before, 'the silent server was tried first at least once');
    } finally {
      servers.a1.setFault('none');
    }
  });

  it('does not run a method twice when its route is not marked idempotent', async () => {
    servers.a1.setFault('error');
    try {
      const before = servers.a1.calls.length + servers.a2.calls.length;
      const outcomes = await Promise.allSettled([0, 1].map((i) => mesh.invoke(call({ method: 'slow', args: [`s${i}`, 1] }))));
      const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
      assert.equal(failures.length, 1, JSON.stringify(outcomes));
      assert.ok(failures[0]!.status === 'rejected' && failures[0]!.reason instanceof RpcServerError && failures[0]!.reason.status === 2);
      assert.equal(servers.a1.calls.length + servers.a2.calls.length - before, 2, 'each call reached one server once');
    } finally {
      servers.a1.setFault('none');
    }
  });

  it("the caller's timeout bounds the call in the mesh: SIDELET_TIMEOUT", async () => {
    await assert.rejects(mesh.invoke(call({ method: 'slow', args: ['late', 5000], timeout: 150 })), { name: 'MeshError', code: 'SIDELET_TIMEOUT' });
  });
});
