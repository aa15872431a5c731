// End to end, over HTTP/1.1 and h2c upstreams: a 503 and a reset (connection over HTTP/1.1,
// stream over HTTP/2) are retried onto the other host; with retries turned off per call the
// same failures reach the caller, so the retries are what made the calls succeed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, serviceBootstrap } from './fixtures/bootstraps.ts';
import { call, failureCode, openMesh, tally } from './fixtures/mesh.ts';
import { closeAll, PROTOCOLS, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { MODES } from './modes.ts';

const PREVIOUS_HOSTS = [
  { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } },
];

for (const mode of MODES) {
  for (const protocol of PROTOCOLS) {
    describe(`retries over ${protocol} (${mode})`, () => {
      let flaky: Upstream;
      let steady: Upstream;
      let mesh: Mesh;

      before(async () => {
        // The flaky host fails by path: /503 answers 503, /reset resets; the steady one always answers.
        flaky = await startUpstream('flaky', protocol, (req, reply) => (req.path.startsWith('/reset') ? reply.reset() : reply.send(503, 'unavailable')));
        steady = await startUpstream('steady', protocol);
        const retry = (retryOn: string) => ({ retry_on: retryOn, num_retries: 2, retry_host_predicate: PREVIOUS_HOSTS, retry_back_off: { base_interval: '0.005s' } });
        mesh = await openMesh(
          mode,
          serviceBootstrap(
            [
              { match: { prefix: '/503' }, route: { cluster: 'pair', timeout: '5s', retry_policy: retry('5xx') } },
              { match: { prefix: '/reset' }, route: { cluster: 'pair', timeout: '5s', retry_policy: retry('reset') } },
            ],
            [clusterOf('pair', [flaky, steady])],
          ),
        );
      });
      after(async () => {
        await mesh?.close();
        await closeAll([flaky, steady]);
      });

      it('retries a 503 onto the other host', async () => {
        const before = { flaky: flaky.count('/503'), steady: steady.count('/503') };
        assert.deepEqual([...(await tally(mesh, 10, '/503'))], [['steady', 10]]);
        const flakyTries = flaky.count('/503') - before.flaky;
        assert.ok(flakyTries >= 1, 'round robin sent first attempts to the flaky host');
        assert.equal(steady.count('/503') - before.steady, 10, 'each call answered once by the steady host');
      });

      it('without retries, the 503 reaches the caller', async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 2; i++) statuses.push((await call(mesh, '/503', { mesh: { retry: 'off' } })).status);
        assert.deepEqual(statuses.sort(), [200, 503], 'two calls in a row: one to each host, the flaky answer passed through');
      });

      it('retries a reset onto the other host', async () => {
        const before = flaky.count('/reset');
        assert.deepEqual([...(await tally(mesh, 10, '/reset'))], [['steady', 10]]);
        assert.ok(flaky.count('/reset') - before >= 1, 'round robin sent first attempts to the flaky host');
      });

      it('without retries, the reset reaches the caller as SIDELET_UPSTREAM_RESET', async () => {
        const outcomes: string[] = [];
        for (let i = 0; i < 2; i++) {
          const pending = call(mesh, '/reset', { mesh: { retry: 'off' } });
          outcomes.push(await pending.then((r) => String(r.status), () => failureCode(pending)));
        }
        assert.deepEqual(outcomes.sort(), ['200', 'SIDELET_UPSTREAM_RESET']);
      });
    });
  }
}
