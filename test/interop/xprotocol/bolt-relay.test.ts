// Interop through sidelet: sofa-bolt-node clients → sidelet's Bolt listener → sofa-bolt-node
// servers, inline and in worker mode. A dedicated listener routes by the service signature (which
// carries the version); a retry off a failing server and a backup request beating a hanging one;
// clients whose request ids collide share one upstream connection; v2 frames with CRC32.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createMesh, type Mesh } from '../../../src/api/mesh.ts';
import { BOLT_PROTOCOL } from '../../../src/protocols/bolt/bolt-codec.ts';
import { createXProtocolServer, type XProtocolServer } from '../../../src/standalone/xprotocol-listener.ts';
import { IDEMPOTENT, rpcBootstrap, rpcCluster, rpcListener, staticBackup } from '../../protocols/xprotocol-relay/relay-bootstrap.ts';
import { type BoltClient, type BoltProtocol, type BoltServer, connectBoltClient, startBoltServer } from './bolt-peers.ts';
import { answer, ECHO_INTERFACE, PeerCallError } from './echo-service.ts';

const V1 = `${ECHO_INTERFACE}:1.0`;
const V2 = `${ECHO_INTERFACE}:2.0`;
/** With hessian2 bodies the Bolt header map names only the service, so a whole service is marked idempotent or not. */
const ONCE = `${ECHO_INTERFACE}.Once:1.0`;
const LISTENER = 'bolt-outbound';

for (const mode of ['inline', 'worker'] as const) {
  describe(`sofa-bolt-node → sidelet (${mode}) → sofa-bolt-node`, () => {
    let one: BoltServer;
    let other: BoltServer;
    let two: BoltServer;
    let mesh: Mesh;
    let server: XProtocolServer;
    let port: number;
    const clients: BoltClient[] = [];
    const client = async (protocol: BoltProtocol = 'v1'): Promise<BoltClient> => {
      const c = await connectBoltClient({ port, protocol });
      clients.push(c);
      return c;
    };

    before(async () => {
      one = await startBoltServer({ name: 'one', services: [V1, ONCE] });
      other = await startBoltServer({ name: 'other', services: [V1, ONCE] });
      two = await startBoltServer({ name: 'two', services: [V2] });
      const retry = { cluster: 'echo-v1', timeout: '5s', retry_policy: { retry_on: '5xx', num_retries: 2 } };
      // One listener for every Bolt service (run-command binds it): virtual hosts by service signature.
      mesh = await createMesh({
        mode,
        workers: 1,
        bootstrap: rpcBootstrap(
          [
            rpcListener(LISTENER, [
              { name: 'v1', domains: [V1], routes: [{ match: { prefix: '/' }, route: retry, metadata: IDEMPOTENT, typed_per_filter_config: staticBackup('0.05s') }] },
              { name: 'v2', domains: [V2], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo-v2' } }] },
              { name: 'once', domains: [ONCE], routes: [{ match: { prefix: '/' }, route: retry, typed_per_filter_config: staticBackup('0.05s') }] },
            ]),
          ],
          [rpcCluster('echo-v1', [one.port, other.port]), rpcCluster('echo-v2', [two.port])],
        ),
      });
      server = createXProtocolServer(mesh, { protocol: BOLT_PROTOCOL, listenerName: LISTENER });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      await Promise.all(clients.map((c) => c.close()));
      if (server?.listening) {
        const closed = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await closed;
      }
      await mesh?.close({ deadlineMs: 1000 });
      await Promise.all([one?.close(), other?.close(), two?.close()]);
    });

    it('routes by the service signature (its version) and answers every protocol version, CRC32 included', async () => {
      for (const protocol of ['v1', 'v2', 'v2-crc'] as const) {
        const c = await client(protocol);
        assert.equal(await c.echo('hi', 3000, V2), answer('two', '2.0', 'hi'));
        assert.match(await c.echo('hi', 3000, V1), /^(one|other)@1\.0:hi$/);
        assert.equal(two.calls.at(-1)?.protocol, protocol, 'forwarded in the client\'s own protocol version');
      }
    });

    it('clients whose request ids collide share one upstream connection, each getting its own answer', async () => {
      const [a, b] = [await client(), await client()];
      const [x, y] = await Promise.all([a.echo('from-a', 3000, V2), b.echo('from-b', 3000, V2)]);
      assert.equal(x, answer('two', '2.0', 'from-a'));
      assert.equal(y, answer('two', '2.0', 'from-b'));
      assert.equal(two.connections(), 1, 'one multiplexed connection per upstream endpoint');
    });

    it('an idempotent service is retried off a server answering with a server exception', async () => {
      const c = await client();
      one.setFault('error');
      try {
        const before = one.calls.length;
        for (let i = 0; i < 4; i++) assert.equal(await c.echo(`r${i}`, 3000, V1), answer('other', '1.0', `r${i}`));
        assert.ok(one.calls.length > before, 'round robin sent first attempts to the failing server');
      } finally {
        one.setFault('none');
      }
    });

    it('an idempotent service gets a backup request that beats a server that never answers', async () => {
      const c = await client();
      one.setFault('hang');
      try {
        const before = one.calls.length;
        for (let i = 0; i < 4; i++) {
          const started = performance.now();
          assert.equal(await c.echo(`b${i}`, 3000, V1), answer('other', '1.0', `b${i}`));
          assert.ok(performance.now() - started < 2500, 'well before the client\'s 3 s timeout');
        }
        assert.ok(one.calls.length > before, 'round robin sent first attempts to the hanging server');
      } finally {
        one.setFault('none');
      }
    });

    it('a service not marked idempotent is sent once: no retry, no backup; the frame\'s timeout ends a hung call', async () => {
      const c = await client();
      one.setFault('hang');
      try {
        const before = one.calls.length + other.calls.length;
        const outcomes = [];
        for (let i = 0; i < 2; i++) {
          outcomes.push(
            await c.echo(`o${i}`, 400, ONCE).then(
              (text) => text.split('@')[0],
              (error: unknown) => (error instanceof PeerCallError ? error.kind : String(error)),
            ),
          );
        }
        // The mesh answers the hung call with Bolt's TIMEOUT status as the client's own timer fires: either way it failed.
        assert.equal(outcomes.filter((o) => o === 'other').length, 1);
        assert.ok(outcomes.every((o) => o === 'other' || o === 'error' || o === 'timeout'), outcomes.join(','));
        assert.equal(one.calls.length + other.calls.length - before, 2, 'one attempt per call');
      } finally {
        one.setFault('none');
      }
    });
  });
}
