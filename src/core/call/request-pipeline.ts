// One request through the core (DESIGN.md, "A request's way through the core"): route, fault
// injection, admission (rate limit with priority queueing, error-rate breaker), the attempt
// loop, mirroring, and the outcome fed back to the breaker. Protocol-neutral; pure but for the
// injected clock, randomness and transport.
import type { CallSignal } from '../call-signal.ts';
import type { Clock } from '../clock.ts';
import { MeshError } from '../errors.ts';
import type { PolicyOverrides } from '../model/caller-overrides.ts';
import type { Route, VirtualHost } from '../model/route.ts';
import type { ErrorRatePermit } from '../policy/error-rate-breaker.ts';
import { decideFault } from '../policy/fault-decision.ts';
import { mirrorTargets, shadowAuthority } from '../policy/mirror-targets.ts';
import { callerOf, headerPriority } from '../policy/rate-limit-callers.ts';
import { rateLimitMode } from '../policy/rate-limit-mode.ts';
import { requestAllowsRetry } from '../policy/retry-classifier.ts';
import { resolveTimeouts } from '../policy/timeout-resolve.ts';
import { route } from '../router/router.ts';
import { type CallResult, runAttempts } from './attempt-loop.ts';
import { filterConfigOf, hedgePolicyOf, providerTimeouts, retryPolicyOf } from './call-plan.ts';
import { effectiveBackup, effectivePriority, effectiveRateLimit, effectiveRetry, type OverrideLayers, timeoutLayers } from './overrides.ts';
import type { MeshStats } from './mesh-stats.ts';
import type { PipelineState } from './pipeline-state.ts';
import { boundByCallerTimeout, isIdempotentRoute, type RpcCall, unsentOnlyRetry } from './rpc-call.ts';
import type { AttemptControl, Transport } from './transport.ts';

export interface MeshRequest {
  /** The listener the call is routed by (the authority through the name template). */
  readonly listenerName: string;
  readonly authority: string;
  /** :path, query included. */
  readonly path: string;
  readonly method: string;
  /** Lower-cased names; repeated headers joined by ",". */
  readonly headers: ReadonlyMap<string, string>;
  /** The body can be sent again (buffered or none): retries, hedges, backups and mirrors need it. */
  readonly bodyReplayable: boolean;
  readonly signal?: CallSignal;
  /** Per-call overrides, the top of the precedence. */
  readonly overrides?: PolicyOverrides;
  /** Set for an x-protocol RPC call, whose body is its request frame. */
  readonly rpc?: RpcCall;
}

export interface PipelineDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly wallNow: () => number;
  readonly transport: Transport;
  readonly state: PipelineState;
  /** The caller's overrides for this service (createMesh options or the bootstrap's sidelet section). */
  readonly callerOverrides?: PolicyOverrides;
  /** Optional stats sink, handed on to the attempt loop. */
  readonly stats?: MeshStats;
}

/** An answer the mesh gives itself (direct_response, an injected abort) instead of an upstream's. */
export interface LocalAnswer {
  readonly kind: 'local';
  readonly status: number;
  readonly body: string | undefined;
  /** Envoy's response flag when the mesh made the answer up (FI: fault injection). */
  readonly responseFlag: string | undefined;
  readonly grpcStatus?: number;
}

export type PipelineResult = { readonly kind: 'upstream'; readonly cluster: string; readonly call: CallResult } | LocalAnswer;

/** Resolves with the answer, or rejects with a MeshError (no route, rate limited, breaker open, timeout, ...) or the abort reason. */
export async function handleRequest(request: MeshRequest, deps: PipelineDeps): Promise<PipelineResult> {
  const routes = deps.state.routes(request.listenerName);
  if (routes === undefined) {
    deps.stats?.noRoute();
    throw new MeshError('SIDELET_NO_ROUTE', `no listener "${request.listenerName}" (or its route configuration) in the current config`);
  }
  const decision = route(routes.table, { authority: request.authority, path: request.path, method: request.method, headers: request.headers, random: deps.random });
  if (decision.kind === 'no_route') {
    deps.stats?.noRoute();
    throw new MeshError('SIDELET_NO_ROUTE', decision.detail);
  }
  if (decision.kind === 'direct_response') return { kind: 'local', status: decision.status, body: decision.body, responseFlag: undefined };

  const { virtualHost, action, cluster: clusterName } = decision;
  const layers: OverrideLayers = { call: request.overrides, caller: deps.callerOverrides };
  const listener = routes.listener;

  const fault = filterConfigOf('fault', decision.route, virtualHost, listener);
  if (fault !== undefined && fault !== 'disabled') {
    const injected = decideFault(fault, decision.headers, deps.random, clusterName);
    if ((injected.delayMs !== undefined || injected.abort !== undefined) && deps.state.activeFaults.tryEnter(fault.maxActiveFaults)) {
      try {
        if (injected.delayMs !== undefined) deps.stats?.faultInjected(clusterName, 'delay');
        if (injected.abort !== undefined) deps.stats?.faultInjected(clusterName, 'abort');
        if (injected.delayMs !== undefined) await sleep(deps.clock, injected.delayMs, request.signal);
        if (injected.abort !== undefined) {
          return 'status' in injected.abort
            ? { kind: 'local', status: injected.abort.status, body: 'fault filter abort', responseFlag: 'FI' }
            : { kind: 'local', status: 200, body: undefined, responseFlag: 'FI', grpcStatus: injected.abort.grpcStatus };
        }
      } finally {
        deps.state.activeFaults.leave();
      }
    }
  }

  // No limit in force (the usual case): no promise, so the attempt loop starts in this turn.
  const admission = admitRateLimit(request, decision.route, virtualHost, listener, layers, deps, decision.headers, clusterName);
  if (admission !== undefined) await admission;

  const breakers = deps.state.breakers(clusterName);
  const permit: ErrorRatePermit | MeshError | undefined = breakers?.tryAcquire(`${request.method} ${request.path.split('?')[0]}`);
  if (permit instanceof MeshError) {
    deps.stats?.breakerOpen(clusterName);
    throw permit;
  }

  const cluster = deps.state.cluster(clusterName);
  if (cluster === undefined) {
    permit?.success();
    throw new MeshError('SIDELET_NO_HEALTHY_UPSTREAM', `cluster "${clusterName}" is not known (or has no endpoints yet)`);
  }

  // An RPC call is sent once unless its route marks its methods idempotent: no hedge, no backup,
  // and a retry only when the frame never left (docs/xprotocol-relay.md).
  const once = request.rpc !== undefined && !isIdempotentRoute(decision.route);
  const anyRetry = effectiveRetry(retryPolicyOf(action, virtualHost), layers);
  const retry = once ? unsentOnlyRetry(anyRetry) : anyRetry;
  const hedge = once ? undefined : hedgePolicyOf(action, virtualHost);
  const backupConfig = once ? undefined : effectiveBackup(filterConfigOf('backupRequest', decision.route, virtualHost, listener), layers);

  mirror(request, decision, deps);
  try {
    const call = await runAttempts(
      {
        method: request.method,
        path: decision.path,
        authority: decision.authority,
        headers: decision.headers,
        retry,
        hedge,
        backups: backupConfig === undefined || backupConfig.mode === 'off' ? undefined : deps.state.backups(decision.route, backupConfig),
        timeouts: boundByCallerTimeout(
          resolveTimeouts(timeoutLayers(providerTimeouts(action, retry), layers, action.maxStreamDuration), request.headers.get('content-type')?.startsWith('application/grpc') ? request.headers.get('grpc-timeout') : undefined),
          request.rpc?.timeoutMs,
        ),
        bodyReplayable: request.bodyReplayable,
        requestRetriable: retry.retriableRequestHeaders.length === 0 || requestAllowsRetry(retry, headerLookup(request, decision)),
        metadataMatch: decision.metadataMatch,
        signal: request.signal,
      },
      { clock: deps.clock, random: deps.random, wallNow: deps.wallNow, transport: deps.transport, cluster, stats: deps.stats },
    );
    if (call.response.status >= 500 || (call.response.grpcStatus !== undefined && call.response.grpcStatus !== 0)) permit?.failure();
    else permit?.success();
    return { kind: 'upstream', cluster: clusterName, call };
  } catch (error) {
    if (error instanceof MeshError) permit?.failure();
    else permit?.success();
    throw error;
  }
}

/** The request's headers as retriable_request_headers reads them, pseudo-headers included. */
function headerLookup(request: MeshRequest, decision: { readonly headers: ReadonlyMap<string, string>; readonly path: string; readonly authority: string }): (name: string) => string | undefined {
  return (name) => decision.headers.get(name) ?? (name === ':method' ? request.method : name === ':path' ? decision.path : name === ':authority' ? decision.authority : undefined);
}

/** Undefined when the call is admitted at once (no limit, off, or shadow mode); else the wait for a token. */
function admitRateLimit(
  request: MeshRequest,
  routeEntry: Route,
  virtualHost: VirtualHost,
  listener: Parameters<typeof filterConfigOf>[3],
  layers: OverrideLayers,
  deps: PipelineDeps,
  headers: ReadonlyMap<string, string>,
  clusterName: string,
): Promise<void> | undefined {
  const provider = filterConfigOf('rateLimit', routeEntry, virtualHost, listener);
  const config = effectiveRateLimit(provider === 'disabled' ? undefined : provider, layers);
  if (config === undefined) return undefined;
  const mode = rateLimitMode(config, deps.random);
  if (mode === 'off') return undefined;
  const limiter = deps.state.rateLimiter(routeEntry, config);
  const caller = callerOf(config, headers);
  if (mode === 'shadow') {
    limiter.tryTake(caller);
    return undefined;
  }
  const priority = effectivePriority(headerPriority(config, headers), layers);
  return limiter.acquire({ caller, priority, signal: request.signal }).catch((error: unknown) => {
    // Refused, timed out queueing or shed from the queue; an abort by the caller is not counted.
    if (error instanceof MeshError) deps.stats?.rateLimited(clusterName, limiter.priorityFor(caller, priority));
    throw error;
  });
}

/**
 * Envoy's request mirroring: fire and forget to each chosen cluster with the `-shadow` host; never
 * affects the primary. The shadow's answer is drained, not cancelled, so its connection is reused.
 */
function mirror(request: MeshRequest, decision: { readonly action: { readonly requestMirrorPolicies: Parameters<typeof mirrorTargets>[0] }; readonly path: string; readonly authority: string; readonly headers: ReadonlyMap<string, string> }, deps: PipelineDeps): void {
  const policies = decision.action.requestMirrorPolicies;
  if (policies.length === 0 || !request.bodyReplayable) return;
  for (const name of mirrorTargets(policies, deps.random, decision.headers)) {
    const cluster = deps.state.cluster(name);
    const endpoint = cluster?.pick({});
    if (cluster === undefined || endpoint === undefined) continue;
    const release = cluster.acquireRequest(endpoint);
    if (release instanceof MeshError) continue;
    const shadow = { cluster: name, endpoint, method: request.method, path: decision.path, authority: shadowAuthority(decision.authority), headers: decision.headers, attempt: 1 };
    // A transport may answer inside send(); the holder lets the handler drop the answer either way.
    const sent: { control?: AttemptControl; answered?: boolean } = {};
    const drop = (control: AttemptControl): void => (control.discard === undefined ? control.cancel() : control.discard());
    sent.control = deps.transport.send(shadow, {
      onResponse: () => {
        release();
        sent.answered = true;
        if (sent.control !== undefined) drop(sent.control);
      },
      onFailure: release,
    });
    if (sent.answered) drop(sent.control);
  }
}

function sleep(clock: Clock, ms: number, signal: CallSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.schedule(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
