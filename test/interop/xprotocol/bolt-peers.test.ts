// Smoke tests of the Bolt peers: the sofa-bolt-node client talks to the sofa-bolt-node server
// directly, in every protocol version, with routing by service signature, errors and timeouts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import java from 'js-to-java';
import { BOLT_ECHO_SERVICE, connectBoltClient, startBoltServer, type BoltClient, type BoltProtocol, type BoltServer } from './bolt-peers.ts';
import { answer, ECHO_EXCEPTION, ECHO_INTERFACE, failMessage, faultMessage, PeerCallError, type PeerFailure } from './echo-service.ts';

const V2_SERVICE = `${ECHO_INTERFACE}:2.0`;

function failsWith(kind: PeerFailure, text: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof PeerCallError, `expected a PeerCallError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    assert.ok(error.message.includes(text), `"${error.message}" should include "${text}"`);
    return true;
  };
}

describe('bolt peers', () => {
  let a: BoltServer;
  let b: BoltServer;
  const clients: BoltClient[] = [];
  const client = async (server: BoltServer, protocol?: BoltProtocol): Promise<BoltClient> => {
    const c = await connectBoltClient({ host: server.host, port: server.port, ...(protocol ? { protocol } : {}) });
    clients.push(c);
    return c;
  };

  before(async () => {
    a = await startBoltServer({ name: 'bolt-a' });
    b = await startBoltServer({ name: 'bolt-b', services: [BOLT_ECHO_SERVICE, V2_SERVICE] });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([a.close(), b.close()]);
  });

  for (const protocol of ['v1', 'v2', 'v2-crc'] as const) {
    test(`echo over ${protocol} is answered by the server it was sent to, in the same version`, async () => {
      const c = await client(a, protocol);
      assert.equal(await c.echo(`hi-${protocol}`), answer('bolt-a', '1.0', `hi-${protocol}`));
      const call = a.calls.at(-1);
      assert.equal(call?.protocol, protocol);
      assert.equal(call?.method, 'echo');
      assert.deepEqual(call?.args, [`hi-${protocol}`]);
    });
  }

  test('the service signature selects the version; an unserved signature is a server error', async () => {
    const toA = await client(a);
    const toB = await client(b);
    assert.equal(await toB.echo('x', 3000, V2_SERVICE), answer('bolt-b', '2.0', 'x'));
    assert.equal(await toB.echo('x', 3000, BOLT_ECHO_SERVICE), answer('bolt-b', '1.0', 'x'));
    await assert.rejects(toA.echo('x', 3000, V2_SERVICE), failsWith('error', `bolt-a: no service ${V2_SERVICE}`));
  });

  test('request props and the timeout field reach the server', async () => {
    const c = await client(a);
    await c.invoke({ method: 'echo', args: [java.String('p')], timeoutMs: 1234, requestProps: { tenant: 't1' } });
    const call = a.calls.at(-1);
    assert.equal(call?.props['tenant'], 't1');
    assert.equal(call?.timeoutMs, 1234);
  });

  test('fail() comes back as the business exception, named by its Java class', async () => {
    const c = await client(a);
    await assert.rejects(c.fail(), (error: unknown) => {
      failsWith('error', failMessage('bolt-a'))(error);
      assert.ok(error instanceof Error && error.cause instanceof Error);
      assert.equal(error.cause.name, ECHO_EXCEPTION);
      return true;
    });
  });

  test('slow() answers after the delay, and the client timeout fires when the delay is longer', async () => {
    const c = await client(a);
    assert.equal(await c.slow('s', 20, 5000), answer('bolt-a', '1.0', 's'));
    await assert.rejects(c.slow('s', 10_000, 100), failsWith('timeout', 'no response in 100 ms'));
  });

  test('faults: error answers with a server error, hang never answers', async () => {
    const server = await startBoltServer({ name: 'bolt-f' });
    try {
      const c = await client(server);
      server.setFault('error');
      await assert.rejects(c.echo('x'), failsWith('error', faultMessage('bolt-f')));
      server.setFault('hang');
      await assert.rejects(c.echo('x', 100), failsWith('timeout', 'no response'));
      server.setFault('none');
      assert.equal(await c.echo('x'), answer('bolt-f', '1.0', 'x'));
      assert.equal(server.connections(), 1);
    } finally {
      await server.close();
    }
  });

  test('a call in flight fails as closed when the server goes away', async () => {
    const server = await startBoltServer({ name: 'bolt-c' });
    const c = await client(server);
    server.setFault('hang');
    const call = c.echo('x', 30_000);
    await server.untilCalls(1);
    await server.close();
    await assert.rejects(call, failsWith('closed', 'closed'));
    await assert.rejects(c.echo('after'), failsWith('closed', 'closed'));
  });
});
