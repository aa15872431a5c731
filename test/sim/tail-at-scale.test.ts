// Seeded Tail-at-Scale simulation on the fake clock: 10 endpoints, one of them slow (+100 ms
// half the time), the rest ~1 ms. Dynamic backup requests (Finagle-style, max extra load 5%)
// must cut p99 at least 5x while sending no more than 5% extra requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAttempts } from '../../src/core/call/attempt-loop.ts';
import { ClusterServices } from '../../src/core/call/cluster-services.ts';
import { NO_RETRY_POLICY } from '../../src/core/model/policy-retry.ts';
import type { BackupRequests } from '../../src/core/policy/hedge-backup.ts';
import { resolveTimeouts } from '../../src/core/policy/timeout-resolve.ts';
import { backupRequests } from '../core/call/fixtures.ts';
import { assignment, cluster, endpoints, locality } from '../core/lb/fixtures.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { SimTransport } from '../helpers/sim-transport.ts';

const REQUESTS = 20_000;
const SLOW_HOST = '10.0.0.0:80';

interface RunFigures {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly extraLoad: number;
  readonly backupsWon: number;
}

async function simulate(withBackups: boolean): Promise<RunFigures> {
  const clock = new FakeClock();
  const random = seededRandom(42);
  const latencyRandom = seededRandom(1234);
  const hosts = endpoints(10);
  assert.equal(hosts[0]!.id, SLOW_HOST);
  const services = new ClusterServices(cluster({ name: 'svc' }), assignment([locality(hosts)]), { clock, random });
  const transport = new SimTransport(clock, (request) => {
    const base = 0.5 + latencyRandom();
    const slow = request.endpoint.id === SLOW_HOST && latencyRandom() < 0.5;
    return { after: base + (slow ? 100 : 0), status: 200 };
  });
  const backups: BackupRequests | undefined = withBackups ? backupRequests({ dynamic: { max_extra_load: 0.05, percentile: 0.945, min_samples: 100, window: '10s' } }, clock) : undefined;
  const timeouts = resolveTimeouts({});
  const latencies: number[] = [];
  const calls: Promise<void>[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    clock.schedule(i, () => {
      const plan = { method: 'GET', path: '/', authority: 'svc', headers: new Map(), retry: NO_RETRY_POLICY, hedge: undefined, backups, timeouts, bodyReplayable: true, requestRetriable: true };
      calls.push(runAttempts(plan, { clock, random, wallNow: () => 0, transport, cluster: services }).then((r) => void latencies.push(r.elapsedMs)));
    });
  }
  clock.advance(REQUESTS + 1000);
  await Promise.all(calls);
  assert.equal(latencies.length, REQUESTS);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.ceil(q * latencies.length) - 1]!;
  const stats = backups?.stats();
  return {
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    extraLoad: (transport.sends.length - REQUESTS) / REQUESTS,
    backupsWon: Number(stats?.backupsWon ?? 0n),
  };
}

test('dynamic backup requests cut p99 at least 5x within 5% extra load', async () => {
  const without = await simulate(false);
  const withBackups = await simulate(true);
  const row = (name: string, f: RunFigures) => ({
    run: name,
    'p50 ms': f.p50.toFixed(2),
    'p99 ms': f.p99.toFixed(2),
    'p99.9 ms': f.p999.toFixed(2),
    'extra load': `${(f.extraLoad * 100).toFixed(2)}%`,
    'backups won': f.backupsWon,
  });
  console.log(`Tail at scale, ${REQUESTS} requests, 10 endpoints, one +100 ms half the time:`);
  console.table([row('no backup', without), row('dynamic backup (max extra load 5%)', withBackups)]);
  console.log(`p99 cut ${(without.p99 / withBackups.p99).toFixed(1)}x`);

  assert.ok(without.p99 > 100, `the slow host shows in p99 without backups (${without.p99} ms)`);
  assert.equal(without.extraLoad, 0);
  assert.ok(without.p99 / withBackups.p99 >= 5, `p99 cut ${without.p99 / withBackups.p99}x, expected at least 5x`);
  assert.ok(withBackups.extraLoad <= 0.05, `extra load ${withBackups.extraLoad}`);
  assert.ok(withBackups.extraLoad > 0 && withBackups.backupsWon > 0, 'backups were sent and won');
});
