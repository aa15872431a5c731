// Builds an attempt loop over simulated upstreams on the fake clock: Envoy-shaped policy JSON
// in, the loop's promise and the recorded sends out.
import { type CallPlan, runAttempts } from '../../../src/core/call/attempt-loop.ts';
import { providerTimeouts } from '../../../src/core/call/call-plan.ts';
import { ClusterServices } from '../../../src/core/call/cluster-services.ts';
import type { UpstreamRequest } from '../../../src/core/call/transport.ts';
import { decodeCircuitBreakers } from '../../../src/config/decode-circuit-breakers.ts';
import { decodeBackupRequestPolicy, decodeHedgePolicy } from '../../../src/config/decode-hedge-policy.ts';
import { decodeRetryPolicy } from '../../../src/config/decode-retry-policy.ts';
import { DEFAULT_CIRCUIT_BREAKERS } from '../../../src/core/model/policy-circuit-breakers.ts';
import type { StaticBackupConfig, DynamicBackupConfig } from '../../../src/core/model/policy-hedge.ts';
import { NO_RETRY_POLICY } from '../../../src/core/model/policy-retry.ts';
import { BackupRequests } from '../../../src/core/policy/hedge-backup.ts';
import { resolveTimeouts, type TimeoutSettings } from '../../../src/core/policy/timeout-resolve.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { type SimAnswer, SimTransport } from '../../helpers/sim-transport.ts';
import { assignment, cluster, endpoints, locality } from '../lb/fixtures.ts';

const strict = { strict: true };

export interface LoopSetup {
  readonly hosts?: number;
  readonly retry?: object;
  readonly hedge?: object;
  readonly backup?: object;
  readonly circuitBreakers?: object;
  readonly timeouts?: TimeoutSettings;
  readonly bodyReplayable?: boolean;
  readonly signal?: AbortSignal;
  readonly script: (request: UpstreamRequest, index: number) => SimAnswer;
}

export function backupRequests(config: object, clock: FakeClock): BackupRequests {
  const decoded = decodeBackupRequestPolicy({ '@type': 'type.googleapis.com/sidelet.filters.http.backup_request.v1.BackupRequestPolicy', ...config }, ['backup'], strict);
  if (decoded.mode === 'off') throw new Error('backup config is off');
  return new BackupRequests(decoded as StaticBackupConfig | DynamicBackupConfig, clock);
}

export function loop(setup: LoopSetup, clock = new FakeClock(), backups?: BackupRequests) {
  const random = seededRandom(7);
  const c = cluster({
    name: 'svc',
    circuitBreakers: setup.circuitBreakers === undefined ? DEFAULT_CIRCUIT_BREAKERS : decodeCircuitBreakers(setup.circuitBreakers, ['circuit_breakers'], strict),
  });
  const services = new ClusterServices(c, assignment([locality(endpoints(setup.hosts ?? 3))]), { clock, random });
  const transport = new SimTransport(clock, setup.script);
  const retry = setup.retry === undefined ? NO_RETRY_POLICY : decodeRetryPolicy(setup.retry, ['retry_policy'], strict);
  const plan: CallPlan = {
    method: 'GET',
    path: '/',
    authority: 'svc',
    headers: new Map(),
    retry,
    hedge: setup.hedge === undefined ? undefined : decodeHedgePolicy(setup.hedge, ['hedge_policy'], strict),
    backups: backups ?? (setup.backup === undefined ? undefined : backupRequests(setup.backup, clock)),
    timeouts: resolveTimeouts({ provider: { ...providerTimeouts(undefined, retry), ...setup.timeouts } }),
    bodyReplayable: setup.bodyReplayable ?? true,
    requestRetriable: true,
    signal: setup.signal,
  };
  const promise = runAttempts(plan, { clock, random, wallNow: () => 1_700_000_000_000, transport, cluster: services });
  const settled = promise.then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { clock, transport, settled, plan };
}
