// End to end, over HTTP/1.1 and h2c: an AbortSignal cancels the upstream request — before the
// answer, in the middle of the response body, with a backup request out (both attempts), and
// while the call waits in a rate-limit queue (it never reaches the upstream).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, SERVICE_URL, serviceBootstrap, sideletRateLimit, staticBackup } from './fixtures/bootstraps.ts';
import { call, openMesh } from './fixtures/mesh.ts';
import { closeAll, PROTOCOLS, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { until, within } from './fixtures/wait.ts';
import { MODES } from './modes.ts';

for (const mode of MODES) {
  for (const protocol of PROTOCOLS) {
    describe(`AbortSignal over ${protocol} (${mode})`, () => {
      let one: Upstream;
      let two: Upstream;
      let mesh: Mesh;

      before(async () => {
        // /hold and /hedged are held, /partial sends the head and a first chunk then holds, the rest is answered.
        const handler = (name: string) =>
          startUpstream(name, protocol, (req, reply) => {
            if (req.path === '/partial') reply.begin(200, 'first chunk');
            else if (!req.path.startsWith('/hold') && !req.path.startsWith('/hedged')) reply.send(200);
          });
        [one, two] = [await handler('one'), await handler('two')];
        const limited = sideletRateLimit({ token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '10s' }, max_queueing_time: '30s' });
        mesh = await openMesh(
          mode,
          serviceBootstrap(
            [
              { match: { prefix: '/hedged' }, route: { cluster: 'pair' }, typed_per_filter_config: staticBackup('0.02s') },
              { match: { prefix: '/limited' }, route: { cluster: 'one' }, typed_per_filter_config: limited },
              { match: { prefix: '/' }, route: { cluster: 'one' } },
            ],
            [clusterOf('one', [one]), clusterOf('pair', [one, two])],
          ),
        );
      });
      after(async () => {
        await mesh?.close();
        await closeAll([one, two]);
      });

      it('before the answer: the call rejects with the reason and the upstream request is cancelled', async () => {
        const controller = new AbortController();
        const pending = mesh.fetch(`${SERVICE_URL}/hold`, { signal: controller.signal });
        await one.waitForCount(1, '/hold');
        controller.abort(new Error('caller gave up'));
        await assert.rejects(within(pending, 'the call to reject'), { message: 'caller gave up' });
        await until(() => one.requests.find((r) => r.path === '/hold')!.aborted, 'the upstream to see the request cancelled');
      });

      it('during the response body: reading fails and the upstream request is cancelled', async () => {
        const controller = new AbortController();
        const res = await mesh.fetch(`${SERVICE_URL}/partial`, { signal: controller.signal });
        assert.equal(res.status, 200);
        const reader = res.body!.getReader();
        assert.equal(Buffer.from((await reader.read()).value!).toString(), 'first chunk');
        controller.abort(new Error('enough'));
        await assert.rejects(within(reader.read(), 'the body read to fail'), { message: 'enough' });
        await until(() => one.requests.find((r) => r.path === '/partial')!.aborted, 'the upstream to see the body cancelled');
      });

      it('with a backup request out: both attempts are cancelled', async () => {
        const controller = new AbortController();
        const pending = mesh.fetch(`${SERVICE_URL}/hedged`, { signal: controller.signal });
        await until(() => one.count('/hedged') + two.count('/hedged') === 2, 'the first attempt and its backup to arrive');
        controller.abort(new Error('no longer needed'));
        await assert.rejects(within(pending, 'the call to reject'), { message: 'no longer needed' });
        await until(() => [...one.requests, ...two.requests].filter((r) => r.path === '/hedged').every((r) => r.aborted), 'both attempts to be cancelled');
      });

      it('while queued by the rate limit: the call leaves the queue and never reaches the upstream', async () => {
        assert.equal((await call(mesh, '/limited/first')).status, 200, 'takes the only token');
        const controller = new AbortController();
        const pending = mesh.fetch(`${SERVICE_URL}/limited/queued`, { signal: controller.signal });
        const outcome = Promise.race([pending.then(() => 'answered', () => 'rejected'), new Promise((resolve) => setImmediate(resolve, 'waiting'))]);
        assert.equal(await outcome, 'waiting', 'no token: the call waits in the queue');
        controller.abort(new Error('left the queue'));
        await assert.rejects(within(pending, 'the call to reject'), { message: 'left the queue' });
        assert.equal(one.count('/limited/queued'), 0);
      });
    });
  }
}
