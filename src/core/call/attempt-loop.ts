// The attempt loop: runs one call against a cluster through its transport — per-try and route
// timeouts, retries with back-off, Envoy hedging and sidelet backup requests — and settles with
// the first good answer, cancelling the rest (DESIGN.md, "A request's way through the core").
import type { CallSignal } from '../call-signal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { MeshError, type MeshFailureCode } from '../errors.ts';
import type { JsonObject } from '../model/metadata.ts';
import type { HedgePolicyConfig } from '../model/policy-hedge.ts';
import type { RetryPolicyConfig } from '../model/policy-retry.ts';
import type { Endpoint } from '../model/endpoint.ts';
import type { BackupRequests } from '../policy/hedge-backup.ts';
import { initialRequestCount, perTryTimeoutAction } from '../policy/hedge-policy.ts';
import type { AttemptOutcome, LocalFailure } from '../policy/retry-classifier.ts';
import { nextBackoff } from '../policy/retry-backoff.ts';
import { decideRetry } from '../policy/retry-decision.ts';
import { retryExclusions } from '../policy/retry-hosts.ts';
import { attemptDeadline, backoffFits, requestDeadline } from '../policy/timeout-deadline.ts';
import { IdleTimer } from '../policy/timeout-idle.ts';
import type { EffectiveTimeouts } from '../policy/timeout-resolve.ts';
import type { ClusterRuntime, Release } from './cluster-runtime.ts';
import type { MeshStats } from './mesh-stats.ts';
import type { AttemptControl, AttemptHandler, Transport, UpstreamResponse } from './transport.ts';

/** Everything decided about the call before its first attempt. */
export interface CallPlan {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly retry: RetryPolicyConfig;
  readonly hedge: HedgePolicyConfig | undefined;
  readonly backups: BackupRequests | undefined;
  readonly timeouts: EffectiveTimeouts;
  /** False for a streamed body that cannot be sent twice: no retry, hedge or backup then. */
  readonly bodyReplayable: boolean;
  /** False when retriable_request_headers rules this request out. */
  readonly requestRetriable: boolean;
  readonly hash?: bigint;
  readonly metadataMatch?: JsonObject;
  readonly signal?: CallSignal;
}

export interface CallDeps {
  readonly clock: Clock;
  readonly random: () => number;
  /** Wall-clock epoch ms, for Retry-After dates. */
  readonly wallNow: () => number;
  readonly transport: Transport;
  readonly cluster: ClusterRuntime;
  /** Optional: told of attempts, responses, timeouts, overflows and backup wins. */
  readonly stats?: MeshStats;
}

export interface CallResult {
  readonly response: UpstreamResponse;
  readonly endpoint: Endpoint;
  /** Attempts started, the winner's included. */
  readonly attempts: number;
  readonly winner: AttemptKind;
  /** From the call's start to the winning response head, on the loop's clock. */
  readonly elapsedMs: number;
}

/** `initial` attempts start with the call (several under hedge_policy.initial_requests). */
export type AttemptKind = 'initial' | 'retry' | 'hedge' | 'backup';

/** One attempt, and the handler its transport reports to (one object per attempt, no closures). */
class Attempt implements AttemptHandler {
  readonly loop: AttemptLoop;
  readonly kind: AttemptKind;
  readonly endpoint: Endpoint;
  readonly startedAt: number;
  readonly release: Release;
  readonly retrySlot: Release | undefined;
  control: AttemptControl | undefined = undefined;
  perTryTimer: TimerHandle | undefined = undefined;
  /** per_try_idle_timeout until the head; once the attempt wins, the idle timeout of its streaming body. */
  idle: IdleTimer | undefined = undefined;
  /** Its per-try timeout fired and a hedge was started: it keeps running but is never retried. */
  hedged = false;
  done = false;
  /** The transport reported the end of its response body. */
  streamEnded = false;

  constructor(loop: AttemptLoop, kind: AttemptKind, endpoint: Endpoint, startedAt: number, release: Release, retrySlot: Release | undefined) {
    this.loop = loop;
    this.kind = kind;
    this.endpoint = endpoint;
    this.startedAt = startedAt;
    this.release = release;
    this.retrySlot = retrySlot;
  }

  onResponse(response: UpstreamResponse): void {
    this.loop.onOutcome(this, { kind: 'response', status: response.status, headers: (name) => response.headers.get(name), grpcStatus: response.grpcStatus }, response);
  }

  onFailure(failure: LocalFailure, detail: string): void {
    this.loop.onOutcome(this, { kind: 'failure', failure }, undefined, detail);
  }

  onProgress(): void {
    this.idle?.touch();
    this.loop.progressed();
  }

  onStreamEnd(): void {
    this.streamEnded = true;
    this.idle?.stop();
    this.loop.bodyDone(this);
  }
}

interface Fallback {
  readonly attempt: Attempt;
  readonly outcome: AttemptOutcome;
  /** Undefined once the response was dropped (a retry was decided) or when the attempt failed locally. */
  readonly response: UpstreamResponse | undefined;
  readonly detail: string;
}

const FAILURE_CODES: Readonly<Record<LocalFailure, MeshFailureCode>> = {
  reset: 'SIDELET_UPSTREAM_RESET',
  'refused-stream': 'SIDELET_UPSTREAM_RESET',
  'connect-failure': 'SIDELET_CONNECT_FAILURE',
  timeout: 'SIDELET_TIMEOUT',
  overflow: 'SIDELET_UPSTREAM_OVERFLOW',
};

/**
 * Runs the call; resolves with the winning response head, or rejects with a MeshError (or the
 * signal's reason). Owned by the calling thread; every callback runs on it.
 */
export function runAttempts(plan: CallPlan, deps: CallDeps): Promise<CallResult> {
  return new Promise((resolve, reject) => new AttemptLoop(plan, deps, resolve, reject).start());
}

class AttemptLoop {
  readonly #plan: CallPlan;
  readonly #deps: CallDeps;
  readonly #resolve: (result: CallResult) => void;
  readonly #reject: (error: unknown) => void;
  /** Attempts running (usually one): an array, cheaper than a set at this size. */
  readonly #inFlight: Attempt[] = [];
  /** Ids of the hosts tried so far; a set of them is made only for an attempt that must avoid them. */
  readonly #tried: string[] = [];
  readonly #deadline: number | undefined;
  readonly #startedAt: number;
  #routeTimer: TimerHandle | undefined;
  /** Back-off and backup timers. */
  #timers: TimerHandle[] | undefined;
  #started = 0;
  #retriesDone = 0;
  #retriesPending = 0;
  #settled = false;
  /** The last answer that ended an attempt without winning, returned if nothing better comes. */
  #fallback: Fallback | undefined;
  #primary: Attempt | undefined;
  /** The route's idle_timeout (Envoy's stream idle timeout) until the call settles; progress of any attempt resets it. */
  #idle: IdleTimer | undefined;
  /** The winner whose body is still arriving: the call's signal cancels it until its end. */
  #streaming: Attempt | undefined;
  /** The loop's one listener is on the call's signal: from the start until the call settles, or until the winner's body ends. */
  #listening = false;

  constructor(plan: CallPlan, deps: CallDeps, resolve: (r: CallResult) => void, reject: (e: unknown) => void) {
    this.#plan = plan;
    this.#deps = deps;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#startedAt = deps.clock.now();
    this.#deadline = requestDeadline(plan.timeouts, this.#startedAt);
  }

  start(): void {
    try {
      this.#start();
    } catch (error) {
      // A transport that throws in send() fails the call, and its timers go with it.
      if (this.#settled) throw error;
      this.#fail(error);
    }
  }

  #start(): void {
    const { signal } = this.#plan;
    if (signal?.aborted) return this.#fail(signal.reason);
    if (signal !== undefined) {
      signal.addEventListener('abort', this.#onAbort);
      this.#listening = true;
    }
    if (this.#deadline !== undefined) this.#routeTimer = this.#deps.clock.schedule(this.#deadline - this.#deps.clock.now(), this.#onRouteTimeout);
    const idleMs = this.#plan.timeouts.idleMs;
    // A route deadline no later than the idle timeout ends the call first: no idle timer until the head then.
    if (idleMs !== undefined && (this.#deadline === undefined || this.#startedAt + idleMs < this.#deadline)) {
      this.#idle = new IdleTimer(this.#deps.clock, idleMs, () => this.#onIdleTimeout());
    }
    const count = this.#plan.hedge !== undefined && this.#plan.bodyReplayable ? initialRequestCount(this.#plan.hedge, this.#deps.random) : 1;
    for (let i = 0; i < count && !this.#settled; i++) this.#launch('initial');
    const delay = this.#plan.bodyReplayable ? this.#plan.backups?.backupDelay() : undefined;
    if (delay !== undefined && !this.#settled) this.#schedule(delay, () => this.#onBackupDue());
  }

  #launch(kind: AttemptKind, retrySlot?: Release): void {
    const { cluster, clock, transport } = this.#deps;
    const tried = this.#tried.length === 0 ? undefined : new Set(this.#tried);
    const exclude = kind === 'retry' && tried !== undefined ? retryExclusions(this.#plan.retry, tried) : tried;
    const endpoint = cluster.pick({ hash: this.#plan.hash, metadataMatch: this.#plan.metadataMatch, exclude });
    if (endpoint === undefined) {
      retrySlot?.();
      return this.#noAttempt(new MeshError('SIDELET_NO_HEALTHY_UPSTREAM', `no healthy upstream in cluster "${cluster.name}"`));
    }
    const release = cluster.acquireRequest(endpoint);
    if (release instanceof MeshError) {
      retrySlot?.();
      if (release.code === 'SIDELET_UPSTREAM_OVERFLOW') this.#deps.stats?.overflow(cluster.name, 'requests');
      return this.#noAttempt(release);
    }
    const attempt = new Attempt(this, kind, endpoint, clock.now(), release, retrySlot);
    this.#primary ??= attempt;
    this.#tried.push(endpoint.id);
    this.#inFlight.push(attempt);
    this.#started++;
    this.#deps.stats?.attemptStarted(cluster.name, kind);
    const perTry = attemptDeadline(this.#plan.timeouts, this.#deadline, attempt.startedAt);
    if (perTry !== undefined && perTry !== this.#deadline) attempt.perTryTimer = clock.schedule(perTry - attempt.startedAt, () => this.#onPerTryTimeout(attempt));
    const perTryIdleMs = this.#plan.timeouts.perTryIdleMs;
    if (perTryIdleMs !== undefined) attempt.idle = new IdleTimer(clock, perTryIdleMs, () => this.#onPerTryIdleTimeout(attempt));
    attempt.control = transport.send(
      { cluster: cluster.name, endpoint, method: this.#plan.method, path: this.#plan.path, authority: this.#plan.authority, headers: this.#plan.headers, attempt: this.#started },
      attempt,
    );
  }

  /** Bytes moved on an attempt: the route's idle timeout starts again. */
  progressed(): void {
    this.#idle?.touch();
  }

  #schedule(ms: number, fn: () => void): void {
    (this.#timers ??= []).push(this.#deps.clock.schedule(ms, fn));
  }

  /** A retry, hedge or backup could not start: the call fails only if nothing else can still answer. */
  #noAttempt(error: MeshError): void {
    if (this.#inFlight.length > 0 || this.#retriesPending > 0) return;
    if (this.#fallback?.response !== undefined) return this.#settleFallback();
    this.#fail(error);
  }

  /** Keeps `next` as the answer to fall back on; a response it replaces is dropped (its body cancelled). */
  #keep(next: Fallback): void {
    const previous = this.#fallback;
    if (previous?.response !== undefined && previous.attempt !== next.attempt) previous.attempt.control?.cancel();
    this.#fallback = next;
  }


  readonly #onRouteTimeout = (): void => {
    this.#routeTimer = undefined;
    if (this.#settled) return;
    this.#deps.stats?.timeout(this.#deps.cluster.name, 'route');
    this.#fail(new MeshError('SIDELET_TIMEOUT', `route timeout of ${this.#plan.timeouts.totalMs} ms reached`));
  };

  #onIdleTimeout(): void {
    if (this.#settled) return;
    this.#fail(new MeshError('SIDELET_TIMEOUT', `idle timeout of ${this.#plan.timeouts.idleMs} ms reached: no bytes moved before the response head`));
  }

  #onBackupDue(): void {
    if (this.#settled || this.#primary === undefined || this.#primary.done) return;
    if (this.#plan.backups?.tryStartBackup()) this.#launch('backup');
  }

  #onPerTryTimeout(attempt: Attempt): void {
    if (this.#settled || attempt.done) return;
    attempt.perTryTimer = undefined;
    this.#deps.stats?.timeout(this.#deps.cluster.name, 'per-try');
    this.#onAttemptTimeout(attempt, `per-try timeout of ${this.#plan.timeouts.perTryMs} ms`);
  }

  /** Envoy treats a per-try idle timeout as a per-try timeout: hedge, retry or fail alike. */
  #onPerTryIdleTimeout(attempt: Attempt): void {
    if (this.#settled || attempt.done) return;
    attempt.idle = undefined;
    this.#onAttemptTimeout(attempt, `per-try idle timeout of ${this.#plan.timeouts.perTryIdleMs} ms`);
  }

  #onAttemptTimeout(attempt: Attempt, what: string): void {
    const action = perTryTimeoutAction(this.#plan.hedge, this.#plan.retry);
    if (action === 'hedge') {
      // Hedged once: its other per-try timer (timeout or idle) firing later changes nothing.
      if (attempt.hedged) return;
      attempt.hedged = true;
      const slot = this.#retrySlot();
      if (slot !== undefined) {
        this.#retriesDone++;
        this.#launch('hedge', slot);
      }
      return;
    }
    this.#end(attempt, true);
    if (action === 'fail') return this.#fail(new MeshError('SIDELET_TIMEOUT', `${what} reached on ${attempt.endpoint.id}`));
    this.onOutcome(attempt, { kind: 'failure', failure: 'timeout' }, undefined, what, true);
  }

  /** A slot for one more retry or hedge, if num_retries and the cluster's budget allow it. */
  #retrySlot(): Release | undefined {
    if (!this.#plan.bodyReplayable || !this.#plan.requestRetriable || this.#retriesDone >= this.#plan.retry.numRetries) return undefined;
    return this.#acquireRetry();
  }

  #acquireRetry(): Release | undefined {
    const slot = this.#deps.cluster.acquireRetry();
    if (slot === undefined) this.#deps.stats?.overflow(this.#deps.cluster.name, 'retries');
    return slot;
  }

  onOutcome(attempt: Attempt, outcome: AttemptOutcome, response: UpstreamResponse | undefined, detail = '', alreadyEnded = false): void {
    if (this.#settled || (attempt.done && !alreadyEnded)) return;
    if (outcome.kind === 'response') this.#idle?.touch();
    if (!alreadyEnded) this.#end(attempt, false);
    const latency = this.#deps.clock.now() - attempt.startedAt;
    this.#deps.cluster.reportOutcome(attempt.endpoint, outcome, latency);
    if (outcome.kind === 'response') this.#deps.stats?.attemptResponse(this.#deps.cluster.name, outcome.status, latency);
    if (attempt === this.#primary) this.#plan.backups?.recordLatency(latency);

    let slot: Release | undefined;
    const verdict = attempt.hedged
      ? 'not-retriable'
      : decideRetry(this.#plan.retry, outcome, {
          retriesDone: this.#retriesDone,
          responseStarted: false,
          bodyReplayable: this.#plan.bodyReplayable,
          requestRetriable: this.#plan.requestRetriable,
          canRetry: () => (slot = this.#acquireRetry()) !== undefined,
        });
    if (verdict === 'retry') {
      const delay = nextBackoff(this.#plan.retry, this.#retriesDone, this.#deps.random, response?.headers && ((n) => response.headers.get(n)), this.#deps.wallNow());
      if (backoffFits(this.#deadline, this.#deps.clock.now(), delay)) {
        this.#retriesDone++;
        this.#retriesPending++;
        this.#schedule(delay, () => {
          this.#retriesPending--;
          if (!this.#settled) this.#launch('retry', slot);
          else slot?.();
        });
        // A retried response is discarded, as in Envoy: its body is dropped now.
        if (response !== undefined) attempt.control?.cancel();
        this.#keep({ attempt, outcome, response: undefined, detail });
        return;
      }
      slot?.();
    }
    if (verdict === 'not-retriable' && response !== undefined && !this.#retriableAnswer(outcome)) return this.#win(attempt, response);
    this.#keep({ attempt, outcome, response, detail });
    if (this.#inFlight.length === 0 && this.#retriesPending === 0) this.#settleFallback();
  }

  /** A response retry_on would retry is kept while another attempt may still answer better. */
  #retriableAnswer(outcome: AttemptOutcome): boolean {
    return this.#inFlight.length > 0 && decideRetry(this.#plan.retry, outcome, { retriesDone: 0, responseStarted: false, bodyReplayable: true, requestRetriable: true, canRetry: () => true }) === 'retry';
  }

  #settleFallback(): void {
    const last = this.#fallback!;
    if (last.response !== undefined) return this.#win(last.attempt, last.response);
    const failure = last.outcome.kind === 'failure' ? last.outcome.failure : 'reset';
    this.#fail(new MeshError(FAILURE_CODES[failure], `${last.attempt.endpoint.id} in cluster "${this.#deps.cluster.name}": ${last.detail || failure} after ${this.#started} attempt(s)`));
  }

  #win(attempt: Attempt, response: UpstreamResponse): void {
    if (attempt.kind === 'backup') {
      this.#plan.backups?.recordBackupWon();
      this.#deps.stats?.backupWon(this.#deps.cluster.name);
    }
    if (this.#fallback?.response !== undefined && this.#fallback.attempt !== attempt) this.#fallback.attempt.control?.cancel();
    this.#settle();
    this.#watchBody(attempt, response);
    this.#resolve({ response, endpoint: attempt.endpoint, attempts: this.#started, winner: attempt.kind, elapsedMs: this.#deps.clock.now() - this.#startedAt });
  }

  /**
   * The idle timeouts outlive the head on a streaming body (Envoy resets a stream whose response
   * stalls): both are reset by the same bytes now, so the shorter one applies. When it fires,
   * the body fails with SIDELET_TIMEOUT. The call's signal still governs the body, as in WHATWG
   * fetch: an abort cancels the upstream exchange and fails the body with the signal's reason.
   */
  #watchBody(attempt: Attempt, response: UpstreamResponse): void {
    if (response.streaming !== true || attempt.streamEnded) return this.#unlisten();
    this.#streaming = attempt;
    if (response.bodyInHand === true) return;
    const { idleMs, perTryIdleMs } = this.#plan.timeouts;
    const ms = Math.min(idleMs ?? Number.POSITIVE_INFINITY, perTryIdleMs ?? Number.POSITIVE_INFINITY);
    if (ms === Number.POSITIVE_INFINITY) return;
    const which = ms === perTryIdleMs ? 'per-try idle' : 'idle';
    attempt.idle = new IdleTimer(this.#deps.clock, ms, () => {
      attempt.idle = undefined;
      this.bodyDone(attempt);
      attempt.control?.cancel(new MeshError('SIDELET_TIMEOUT', `${which} timeout of ${ms} ms reached while receiving the response body from ${attempt.endpoint.id}`));
    });
  }

  /** The call's signal fired: before the call settles it fails the call, after it the winner's body. */
  readonly #onAbort = (): void => {
    this.#unlisten();
    const reason: unknown = this.#plan.signal?.reason;
    if (!this.#settled) return this.#fail(reason);
    const attempt = this.#streaming;
    if (attempt === undefined) return;
    this.#streaming = undefined;
    attempt.idle?.stop();
    attempt.control?.cancel(reason instanceof Error ? reason : new Error(String(reason)));
  };

  /** The winner's body ended (or timed out): the signal has nothing left to cancel. */
  bodyDone(attempt: Attempt): void {
    if (this.#streaming !== attempt) return;
    this.#streaming = undefined;
    this.#unlisten();
  }

  #unlisten(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.#plan.signal?.removeEventListener('abort', this.#onAbort);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settle();
    this.#unlisten();
    this.#reject(error);
  }

  /** Ends the call: cancels every attempt still running (recording a lost primary's elapsed time) and every timer. */
  #settle(): void {
    this.#settled = true;
    this.#idle?.stop();
    this.#routeTimer?.cancel();
    this.#routeTimer = undefined;
    if (this.#timers !== undefined) for (const timer of this.#timers) timer.cancel();
    this.#timers = undefined;
    // Latest first; #end takes each out of #inFlight.
    for (let i = this.#inFlight.length - 1; i >= 0; i--) {
      const attempt = this.#inFlight[i]!;
      if (attempt === this.#primary) this.#plan.backups?.recordLatency(this.#deps.clock.now() - attempt.startedAt);
      this.#end(attempt, true);
    }
  }

  #end(attempt: Attempt, cancel: boolean): void {
    if (attempt.done) return;
    attempt.done = true;
    attempt.perTryTimer?.cancel();
    attempt.idle?.stop();
    const at = this.#inFlight.indexOf(attempt);
    if (at !== -1) this.#inFlight.splice(at, 1);
    attempt.release();
    attempt.retrySlot?.();
    if (cancel) attempt.control?.cancel();
  }
}
