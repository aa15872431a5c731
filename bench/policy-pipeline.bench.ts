// Per-request cost of the policy pipeline with no I/O: route match, a token-bucket rate limit,
// and the attempt loop (thresholds, balancer pick, retry/backup bookkeeping, timers) against a
// transport that answers at once — against a baseline of that transport called directly.
import { runAttempts, type CallPlan } from '../src/core/call/attempt-loop.ts';
import { providerTimeouts, retryPolicyOf } from '../src/core/call/call-plan.ts';
import { ClusterServices } from '../src/core/call/cluster-services.ts';
import type { AttemptHandler, Transport, UpstreamRequest } from '../src/core/call/transport.ts';
import { systemClock } from '../src/core/clock.ts';
import { route, compileRouteTable } from '../src/core/router/router.ts';
import { BackupRequests } from '../src/core/policy/hedge-backup.ts';
import { TokenBucket } from '../src/core/policy/token-bucket.ts';
import { resolveTimeouts } from '../src/core/policy/timeout-resolve.ts';
import { parseText } from '../src/config/load-bootstrap.ts';
import { keep, report, timeOps } from './harness.ts';

const endpoints = Array.from({ length: 10 }, (_, i) => `{ endpoint: { address: { socket_address: { address: 10.0.0.${i + 1}, port_value: 80 } } } }`).join(', ');
const { staticResources } = parseText(
  `static_resources:
  route_configurations:
    - name: svc
      virtual_hosts:
        - name: svc
          domains: ["svc", "svc:80"]
          routes:
            - match: { prefix: /api, headers: [{ name: x-user, string_match: { prefix: q } }] }
              route:
                cluster: svc
                timeout: 2s
                retry_policy: { retry_on: "5xx,reset", num_retries: 2, per_try_timeout: 0.5s }
              typed_per_filter_config:
                sidelet.filters.http.backup_request:
                  "@type": type.googleapis.com/sidelet.filters.http.backup_request.v1.BackupRequestPolicy
                  static: { delay: 0.05s, max_extra_load: 0.05 }
  clusters:
    - name: svc
      load_assignment: { cluster_name: svc, endpoints: [{ lb_endpoints: [${endpoints}] }] }
`,
  'bench',
);

const table = compileRouteTable(staticResources.routeConfigurations.get('svc')!);
const cluster = staticResources.clusters.get('svc')!;
const services = new ClusterServices(cluster, staticResources.endpoints.get('svc')!, { clock: systemClock, random: Math.random });
const backupConfig = table.config.virtualHosts[0]!.routes[0]!.filterConfigs.backupRequest!;
const backups = new BackupRequests(backupConfig as ConstructorParameters<typeof BackupRequests>[0], systemClock);
const bucket = TokenBucket.create({ maxTokens: 1e12, tokensPerFill: 1e12, fillIntervalMs: 1000 }, systemClock);
const response = { status: 200, headers: new Map<string, string>() };

/** Answers in the same call, as a transport whose upstream replied instantly. */
const instant: Transport = {
  send(_request: UpstreamRequest, handler: AttemptHandler) {
    handler.onResponse(response);
    return { cancel() {} };
  },
};

const headers = new Map([['x-user', 'qunar']]);
const deps = { clock: systemClock, random: Math.random, wallNow: Date.now, transport: instant, cluster: services };
const request: UpstreamRequest = { cluster: 'svc', endpoint: staticResources.endpoints.get('svc')!.localities[0]!.endpoints[0]!, method: 'GET', path: '/api', authority: 'svc', headers, attempt: 1 };
const noop: AttemptHandler = { onResponse() {}, onFailure() {} };

function plan(path: string): CallPlan | undefined {
  const decision = route(table, { authority: 'svc:80', path, method: 'GET', headers, random: Math.random });
  if (decision.kind !== 'forward') return undefined;
  const retry = retryPolicyOf(decision.action, decision.virtualHost);
  return {
    method: 'GET',
    path: decision.path,
    authority: decision.authority,
    headers: decision.headers,
    retry,
    hedge: undefined,
    backups,
    timeouts: resolveTimeouts({ provider: providerTimeouts(decision.action, retry) }),
    bodyReplayable: true,
    requestRetriable: true,
  };
}

const batch = { batch: 200, batches: 300 };
const baseline = timeOps('transport.send, direct (baseline)', () => instant.send(request, noop), batch);
const loopOnly = plan('/api')!;
const loop = timeOps('attempt loop (thresholds, pick, timers, backup bookkeeping)', () => runAttempts(loopOnly, deps), batch);
const full = timeOps('route + rate limit + attempt loop', () => {
  if (!bucket.tryTake()) throw new Error('limited');
  return runAttempts(plan('/api/items')!, deps);
}, batch);
keep([loop, full]);
report('policy pipeline per request, no I/O', baseline, [loop, full], [
  'Both subjects create and cancel real timers (route timeout, per-try timeout, backup delay) per call, as the runtime does.',
  'The error-rate breaker (opossum) is measured on its own in bench/breaker.bench.ts.',
]);
