// Smoke tests of the Dubbo peers: the dubbo2.js consumer talks to the apache-dubbo-service
// provider directly, with version and group selecting the service, errors and timeouts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDubboConsumer, startDubboProvider, type DubboConsumer, type DubboConsumerOptions, type DubboProvider } from './dubbo-peers.ts';
import { answer, ECHO_INTERFACE, failMessage, faultMessage, PeerCallError, type PeerFailure } from './echo-service.ts';

function failsWith(kind: PeerFailure, text: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof PeerCallError, `expected a PeerCallError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    assert.ok(error.message.includes(text), `"${error.message}" should include "${text}"`);
    return true;
  };
}

describe('dubbo peers', () => {
  let v1: DubboProvider;
  let both: DubboProvider;
  let blue: DubboProvider;
  const consumers: DubboConsumer[] = [];
  const consumer = (provider: DubboProvider, options: Partial<DubboConsumerOptions> = {}): DubboConsumer => {
    const c = createDubboConsumer({ host: provider.host, port: provider.port, ...options });
    consumers.push(c);
    return c;
  };

  before(async () => {
    v1 = await startDubboProvider({ name: 'dubbo-a' });
    both = await startDubboProvider({ name: 'dubbo-b', versions: ['1.0.0', '2.0.0'] });
    blue = await startDubboProvider({ name: 'dubbo-blue', group: 'blue' });
  });
  // Consumers first: a dubbo2.js consumer whose provider went away sits in a reconnect back-off.
  after(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    await Promise.all([v1.close(), both.close(), blue.close()]);
  });

  test('echo is answered by the provider it was sent to; the provider sees dubbo2.js attachments', async () => {
    const c = consumer(v1, { timeoutMs: 4000 });
    assert.equal(await c.echoService('1.0.0').echo('hi'), answer('dubbo-a', '1.0.0', 'hi'));
    const call = v1.calls.at(-1);
    assert.equal(call?.service, ECHO_INTERFACE);
    assert.equal(call?.version, '1.0.0');
    assert.equal(call?.method, 'echo');
    assert.deepEqual(call?.args, ['hi']);
    assert.equal(call?.props['dubbo'], '2.0.2');
    assert.equal(call?.props['timeout'], 4000);
  });

  test('the version selects the service; a version not served is SERVICE_NOT_FOUND', async () => {
    const toBoth = consumer(both);
    assert.equal(await toBoth.echoService('2.0.0').echo('x'), answer('dubbo-b', '2.0.0', 'x'));
    assert.equal(await toBoth.echoService('1.0.0').echo('x'), answer('dubbo-b', '1.0.0', 'x'));
    await assert.rejects(consumer(v1).echoService('2.0.0').echo('x'), failsWith('error', 'SERVICE_NOT_FOUND'));
  });

  test('the group selects the service too', async () => {
    const c = consumer(blue);
    assert.equal(await c.echoService('1.0.0', 'blue').echo('g'), answer('dubbo-blue', '1.0.0', 'g'));
    assert.equal(blue.calls.at(-1)?.group, 'blue');
    await assert.rejects(c.echoService('1.0.0').echo('g'), failsWith('error', 'SERVICE_NOT_FOUND'));
  });

  test('the provider publishes one dubbo:// URL a version to the registry it is given', () => {
    assert.equal(both.published.length, 2);
    for (const version of ['1.0.0', '2.0.0']) {
      assert.ok(both.published.some((url) => url.startsWith(`dubbo://`) && url.includes(`:${both.port}/${ECHO_INTERFACE}?`) && url.includes(`version=${version}`)));
    }
  });

  test('fail() comes back as an error carrying the exception message', async () => {
    await assert.rejects(consumer(v1).echoService('1.0.0').fail(), failsWith('error', failMessage('dubbo-a')));
  });

  test('slow() answers after the delay, and the consumer timeout fires when the delay is longer', async () => {
    assert.equal(await consumer(v1).echoService('1.0.0').slow('s', 20), answer('dubbo-a', '1.0.0', 's'));
    await assert.rejects(consumer(v1, { timeoutMs: 100 }).echoService('1.0.0').slow('s', 10_000), failsWith('timeout', 'timeout'));
  });

  test('faults: error answers with a server error, hang never answers', async () => {
    const provider = await startDubboProvider({ name: 'dubbo-f' });
    let c: DubboConsumer | undefined;
    try {
      c = createDubboConsumer({ host: provider.host, port: provider.port, timeoutMs: 200 });
      provider.setFault('error');
      await assert.rejects(c.echoService('1.0.0').echo('x'), failsWith('error', faultMessage('dubbo-f')));
      provider.setFault('hang');
      await assert.rejects(c.echoService('1.0.0').echo('x'), failsWith('timeout', 'timeout'));
      provider.setFault('none');
      assert.equal(await c.echoService('1.0.0').echo('x'), answer('dubbo-f', '1.0.0', 'x'));
    } finally {
      await c?.close();
      await provider.close();
    }
  });

  test('a call in flight fails as closed when the consumer is closed', async () => {
    const provider = await startDubboProvider({ name: 'dubbo-c' });
    try {
      const c = createDubboConsumer({ host: provider.host, port: provider.port, timeoutMs: 30_000 });
      provider.setFault('hang');
      const call = c.echoService('1.0.0').echo('x');
      await provider.untilCalls(1);
      await c.close();
      await assert.rejects(call, failsWith('closed', 'closed'));
    } finally {
      await provider.close();
    }
  });

  test('a consumer whose provider went away first still closes (after its reconnect back-off)', async () => {
    const provider = await startDubboProvider({ name: 'dubbo-gone' });
    const c = createDubboConsumer({ host: provider.host, port: provider.port, timeoutMs: 500 });
    assert.equal(await c.echoService('1.0.0').echo('x'), answer('dubbo-gone', '1.0.0', 'x'));
    await provider.close();
    // dubbo2.js fails nothing when the provider hangs up: it reconnects, and calls time out.
    await assert.rejects(c.echoService('1.0.0').echo('y'), failsWith('timeout', 'timeout'));
    await c.close();
  });
});
