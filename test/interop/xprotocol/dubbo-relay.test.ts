// Interop through sidelet: a dubbo2.js consumer → sidelet's Dubbo listener → apache-dubbo-service
// providers, inline and in worker mode. Routing by the version header, a retry off a failing
// provider and a backup request beating a hanging one for the idempotent method, none for another.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createMesh, type Mesh } from '../../../src/api/mesh.ts';
import { DUBBO_PROTOCOL } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { createXProtocolServer, type XProtocolServer } from '../../../src/standalone/xprotocol-listener.ts';
import { IDEMPOTENT, rpcBootstrap, rpcCluster, serviceListener, staticBackup } from '../../protocols/xprotocol-relay/relay-bootstrap.ts';
import { createDubboConsumer, type DubboConsumer, type DubboProvider, startDubboProvider } from './dubbo-peers.ts';
import { answer, ECHO_INTERFACE, PeerCallError } from './echo-service.ts';

const SERVICE = ECHO_INTERFACE;

for (const mode of ['inline', 'worker'] as const) {
  describe(`dubbo2.js → sidelet (${mode}) → apache-dubbo-service`, () => {
    let one: DubboProvider;
    let other: DubboProvider;
    let two: DubboProvider;
    let mesh: Mesh;
    let server: XProtocolServer;
    let consumer: DubboConsumer;

    before(async () => {
      one = await startDubboProvider({ name: 'one' });
      other = await startDubboProvider({ name: 'other' });
      two = await startDubboProvider({ name: 'two', versions: ['2.0.0'] });
      // The listener is named by the service (the default `%s` name template): no listener name to pass.
      mesh = await createMesh({
        mode,
        workers: 1,
        bootstrap: rpcBootstrap(
          [
            serviceListener(SERVICE, [
              { match: { prefix: `/${SERVICE}/`, headers: [{ name: 'version', string_match: { exact: '2.0.0' } }] }, route: { cluster: 'echo-v2' } },
              {
                match: { path: `/${SERVICE}/echo` },
                route: { cluster: 'echo-v1', timeout: '5s', retry_policy: { retry_on: '5xx', num_retries: 2 } },
                metadata: IDEMPOTENT,
                typed_per_filter_config: staticBackup('0.05s'),
              },
              { match: { prefix: `/${SERVICE}/` }, route: { cluster: 'echo-v1', timeout: '5s', retry_policy: { retry_on: '5xx', num_retries: 2 } } },
            ]),
          ],
          [rpcCluster('echo-v1', [one.port, other.port]), rpcCluster('echo-v2', [two.port])],
        ),
      });
      server = createXProtocolServer(mesh, { protocol: DUBBO_PROTOCOL });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      consumer = createDubboConsumer({ port: (server.address() as AddressInfo).port, timeoutMs: 3000 });
    });
    // The consumer first (it reconnects when its server goes away first), then sidelet, then the providers.
    after(async () => {
      await consumer?.close();
      if (server?.listening) {
        const closed = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await closed;
      }
      await mesh?.close({ deadlineMs: 1000 });
      await Promise.all([one?.close(), other?.close(), two?.close()]);
    });

    it('routes by the version header: 2.0.0 to its provider, 1.0.0 to the others', async () => {
      assert.equal(await consumer.echoService('2.0.0').echo('hi'), answer('two', '2.0.0', 'hi'));
      const v1 = [await consumer.echoService('1.0.0').echo('a'), await consumer.echoService('1.0.0').echo('b')];
      assert.ok(v1.every((text, i) => text === answer('one', '1.0.0', 'ab'[i]!) || text === answer('other', '1.0.0', 'ab'[i]!)));
      assert.deepEqual(new Set(v1.map((text) => text.split('@')[0])), new Set(['one', 'other']), 'round robin over both');
      assert.equal(two.calls.at(-1)?.version, '2.0.0');
    });

    it('the idempotent method is retried off a provider answering with a server error', async () => {
      one.setFault('error');
      try {
        const before = one.calls.length;
        for (let i = 0; i < 4; i++) assert.equal(await consumer.echoService('1.0.0').echo(`r${i}`), answer('other', '1.0.0', `r${i}`));
        assert.ok(one.calls.length > before, 'round robin sent first attempts to the failing provider');
      } finally {
        one.setFault('none');
      }
    });

    it('the idempotent method gets a backup request that beats a provider that never answers', async () => {
      one.setFault('hang');
      try {
        const before = one.calls.length;
        for (let i = 0; i < 4; i++) {
          const started = performance.now();
          assert.equal(await consumer.echoService('1.0.0').echo(`b${i}`), answer('other', '1.0.0', `b${i}`));
          assert.ok(performance.now() - started < 2500, 'well before the consumer\'s 3 s timeout');
        }
        assert.ok(one.calls.length > before, 'round robin sent first attempts to the hanging provider');
      } finally {
        one.setFault('none');
      }
    });

    it('a method not marked idempotent is sent once: the provider\'s error reaches the consumer', async () => {
      one.setFault('error');
      try {
        const before = one.calls.length + other.calls.length;
        const outcomes = [];
        for (let i = 0; i < 2; i++) {
          outcomes.push(
            await consumer
              .echoService('1.0.0')
              .slow(`s${i}`, 0)
              .then(
                (text) => text.split('@')[0],
                (error: unknown) => (error instanceof PeerCallError ? error.kind : String(error)),
              ),
          );
        }
        assert.deepEqual(outcomes.sort(), ['error', 'other']);
        assert.equal(one.calls.length + other.calls.length - before, 2, 'no retries');
      } finally {
        one.setFault('none');
      }
    });
  });
}
