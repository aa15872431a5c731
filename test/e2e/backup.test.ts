// End to end over HTTP/1.1: a static backup request beats an endpoint that never answers, and
// the losing attempt is cancelled at that endpoint; turned off per call, the same call times out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, serviceBootstrap, staticBackup } from './fixtures/bootstraps.ts';
import { call, failureCode, openMesh } from './fixtures/mesh.ts';
import { closeAll, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { until } from './fixtures/wait.ts';
import { MODES } from './modes.ts';

for (const mode of MODES) {
  describe(`backup requests (${mode})`, () => {
    let slow: Upstream;
    let fast: Upstream;
    let mesh: Mesh;

    before(async () => {
      // The slow host holds every request until the caller goes away.
      slow = await startUpstream('slow', 'http1', () => {});
      fast = await startUpstream('fast');
      mesh = await openMesh(
        mode,
        serviceBootstrap([{ match: { prefix: '/' }, route: { cluster: 'pair', timeout: '5s' }, typed_per_filter_config: staticBackup('0.05s') }], [clusterOf('pair', [slow, fast])]),
      );
    });
    after(async () => {
      await mesh?.close();
      await closeAll([slow, fast]);
    });

    it('answers from the backup when the first attempt hangs, and cancels the loser', async () => {
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        const { status, servedBy } = await call(mesh, '/search');
        assert.equal(status, 200);
        assert.equal(servedBy, 'fast');
        assert.ok(performance.now() - started < 4000, 'answered well before the route timeout');
      }
      assert.ok(slow.count() >= 1, 'round robin sent first attempts to the slow host');
      assert.equal(fast.count(), 4, 'one answer per call from the fast host');
      await until(() => slow.requests.every((r) => r.aborted), 'every losing attempt to be cancelled at the slow host');
    });

    it('without the backup, a call that lands on the slow host times out', async () => {
      const outcomes: string[] = [];
      for (let i = 0; i < 2; i++) {
        const pending = call(mesh, '/search', { mesh: { backupRequest: { mode: 'off' }, timeoutMs: 300 } });
        outcomes.push(await pending.then((r) => r.servedBy ?? '-', () => failureCode(pending)));
      }
      assert.deepEqual(outcomes.sort(), ['SIDELET_TIMEOUT', 'fast']);
      await until(() => slow.requests.every((r) => r.aborted), 'the timed-out attempt to be cancelled at the slow host');
    });
  });
}
