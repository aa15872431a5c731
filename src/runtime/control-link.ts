// A data-plane worker's link to the control thread: requests that need the process-wide owner
// (rate-limit admission, on-demand listeners) as promises, and attempt and call outcomes
// batched per turn of the event loop for outlier detection and the error-rate breakers.
import { BroadcastChannel } from 'node:worker_threads';
import type { CallSignal } from '../core/call-signal.ts';
import type { RateLimitConfig } from '../core/model/policy-rate-limit.ts';
import type { AttemptOutcome } from '../core/policy/retry-classifier.ts';
import { fromWireError } from './wire-error.ts';
import { type BreakerReport, controlChannel, type OutcomeReport, type ToControl, type ToWorker, type WireError, type WireOutcome, workerChannel } from './protocol.ts';

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Owned by one worker thread; `onState` receives the control thread's snapshots and state changes. */
export class ControlLink {
  readonly #threadId: number;
  readonly #toControl: BroadcastChannel;
  readonly #fromControl: BroadcastChannel;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #outcomes: OutcomeReport[] = [];
  #breakers: BreakerReport[] = [];
  #flushScheduled = false;
  readonly #unrecorded = new Set<Promise<void>>();
  /** Repeats hello until the control thread answers: it may start listening after this worker did. */
  #hello: NodeJS.Timeout | undefined;

  constructor(meshId: string, threadId: number, onState: (message: ToWorker) => void) {
    this.#threadId = threadId;
    this.#toControl = new BroadcastChannel(controlChannel(meshId));
    this.#fromControl = new BroadcastChannel(workerChannel(meshId, threadId));
    this.#fromControl.onmessage = (event) => {
      clearInterval(this.#hello);
      const message = (event as { readonly data: ToWorker }).data;
      if (message.type === 'admitted' || message.type === 'listener-ready') this.#settle(message.id, message.error);
      else if (message.type === 'breaker-recorded') this.#settle(message.id, undefined);
      else onState(message);
    };
    this.#toControl.unref();
    this.#fromControl.unref();
    this.#post({ type: 'hello', threadId });
    this.#hello = setInterval(() => this.#post({ type: 'hello', threadId }), 20);
  }

  /** Waits for the route's process-wide limiter to admit the call; rejects with its MeshError. */
  admit(key: string, config: RateLimitConfig, caller: string | undefined, priority: number | undefined, signal: CallSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    const admitted = this.#request(id);
    this.#post({ type: 'admit', threadId: this.#threadId, id, key, config, caller, priority, shadow: false });
    if (signal === undefined) return admitted;
    const onAbort = () => {
      this.#post({ type: 'admit-cancel', id, threadId: this.#threadId });
      this.#settle(id, undefined, signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return admitted.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Shadow mode: the limiter counts the call, which goes ahead whatever it says. */
  shadowTake(key: string, config: RateLimitConfig, caller: string | undefined): void {
    this.#post({ type: 'admit', threadId: this.#threadId, id: 0, key, config, caller, priority: undefined, shadow: true });
  }

  /** Resolves once the control thread's store has the listener (or knows it does not exist). */
  ensureListener(name: string): Promise<void> {
    const id = this.#nextId++;
    const ready = this.#request(id);
    this.#post({ type: 'ensure-listener', threadId: this.#threadId, id, name });
    return ready;
  }

  reportOutcome(cluster: string, hostId: string, outcome: AttemptOutcome): void {
    // Only what outlier detection reads crosses: a response's header lookup is a function.
    const plain: WireOutcome =
      outcome.kind === 'response'
        ? { kind: 'response', status: outcome.status, ...(outcome.grpcStatus === undefined ? {} : { grpcStatus: outcome.grpcStatus }) }
        : { kind: 'failure', failure: outcome.failure };
    this.#outcomes.push([cluster, hostId, plain]);
    this.#scheduleFlush();
  }

  /**
   * Successes go in the next batch; a failure, or the outcome of a half-open breaker's trial
   * (`trial`), at once and acknowledged (see `recorded`): those may change the breaker's state.
   */
  reportBreaker(cluster: string, method: string, failed: boolean, trial = false): void {
    if (!failed && !trial) {
      this.#breakers.push([cluster, method, false]);
      this.#scheduleFlush();
      return;
    }
    const id = this.#nextId++;
    const recorded = this.#request(id).finally(() => this.#unrecorded.delete(recorded));
    this.#unrecorded.add(recorded);
    this.#post({ type: 'breaker-report', threadId: this.#threadId, id, cluster, method, failed });
  }

  /** Resolves once the control thread has recorded every acknowledged report so far; undefined when none is pending. */
  recorded(): Promise<unknown> | undefined {
    return this.#unrecorded.size === 0 ? undefined : Promise.allSettled([...this.#unrecorded]);
  }

  #request(id: number): Promise<void> {
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  #settle(id: number, error: WireError | undefined, reason?: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (reason !== undefined) pending.reject(reason instanceof Error ? reason : new Error(String(reason)));
    else if (error === undefined) pending.resolve();
    else pending.reject(fromWireError(error) as Error);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#outcomes.length === 0 && this.#breakers.length === 0) return;
    this.#post({ type: 'outcomes', outcomes: this.#outcomes, breakers: this.#breakers });
    this.#outcomes = [];
    this.#breakers = [];
  }

  #post(message: ToControl): void {
    this.#toControl.postMessage(message);
  }
}
