// Admission through one token bucket with priority queueing (Sentinel's 排队等待 with
// maxQueueingTimeMs, per priority): waiters are served highest priority first as tokens
// refill, time out after their maximum wait, and the lowest priority is shed when the queue is full.
import type { CallSignal } from '../call-signal.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { MeshError } from '../errors.ts';
import { maxQueueingTimeFor, type RateLimitConfig } from '../model/policy-rate-limit.ts';
import { PriorityQueue, type QueueNode } from './priority-queue.ts';
import type { TokenBucket } from './token-bucket.ts';

export interface AcquireOptions {
  /** Higher is served first; default: the caller's configured priority, else the config's default. */
  readonly priority?: number;
  /** The caller's app id, for limiters keyed by caller. */
  readonly caller?: string;
  /** Aborting removes the request from the queue; the promise rejects with the signal's reason. */
  readonly signal?: CallSignal;
}

export type QueueingConfig = Pick<RateLimitConfig, 'defaultPriority' | 'maxQueueingTimeMs' | 'priorities' | 'maxQueueSize'>;

interface Waiter {
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: CallSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Slack for float rounding when a deadline or a token falls due exactly now (ms). */
const EPSILON_MS = 1e-6;

/**
 * Threading: the queue and its timer have a single owner — the control thread in worker mode,
 * the calling thread inline — and only that thread calls `acquire` / `tryTake`. The bucket
 * itself may be shared with other threads (see TokenBucket); tokens they take are simply not
 * there when this limiter looks. At most one timer is pending per limiter: the earlier of the
 * next token for the head waiter and the earliest deadline.
 */
export class PriorityRateLimiter {
  readonly bucket: TokenBucket;
  readonly #config: QueueingConfig;
  readonly #clock: Clock;
  readonly #queue = new PriorityQueue<Waiter>();
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(bucket: TokenBucket, config: QueueingConfig, clock: Clock) {
    this.bucket = bucket;
    this.#config = config;
    this.#clock = clock;
  }

  /** Requests waiting for a token. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Takes a token if one is there and nobody waits; never queues (filter_enabled but not enforced). */
  tryTake(): boolean {
    return this.#queue.size === 0 && this.bucket.tryTake();
  }

  /**
   * Resolves when the request may go. Rejects with MeshError SIDELET_RATE_LIMITED when no
   * token is left and the priority may not queue, SIDELET_QUEUE_TIMEOUT when its wait would
   * exceed (at once, when the bucket's refill says so) or has exceeded its maximum, and
   * SIDELET_OVERLOADED when it is shed from, or refused by, a full queue.
   */
  acquire(options: AcquireOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.size === 0 && this.bucket.tryTake()) return Promise.resolve();
    const priority = options.priority ?? this.#config.defaultPriority;
    const maxWait = maxQueueingTimeFor(this.#config, priority);
    if (maxWait <= 0 || this.#config.maxQueueSize <= 0) {
      return Promise.reject(new MeshError('SIDELET_RATE_LIMITED', 'rate limited: no token left and the request may not queue'));
    }
    const ahead = this.#queue.countAtOrAbove(priority);
    const predicted = this.bucket.msUntil(ahead + 1);
    if (predicted > maxWait + EPSILON_MS) {
      return Promise.reject(queueTimeout(priority, maxWait, `its wait would be ${Math.ceil(predicted)} ms`));
    }
    if (this.#queue.size >= this.#config.maxQueueSize) {
      const victim = this.#queue.peekLowest()!;
      if (victim.priority >= priority) {
        return Promise.reject(new MeshError('SIDELET_OVERLOADED', `rate limit queue full (${this.#config.maxQueueSize}) with priority ${victim.priority} or higher`));
      }
      this.#settle(victim, new MeshError('SIDELET_OVERLOADED', `shed from the rate limit queue for a request of priority ${priority}`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { deadline: this.#clock.now() + maxWait, resolve, reject, signal, onAbort: undefined };
      const node = this.#queue.push(priority, waiter);
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.#settle(node, signal.reason);
          this.#reschedule();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#drain();
    });
  }

  /** Serves waiters with the tokens there are, expires those past their deadline, and sets the timer. */
  #drain(): void {
    const now = this.#clock.now();
    this.#expire(now - EPSILON_MS);
    for (let head = this.#queue.peek(); head !== undefined && this.bucket.tryTake(); head = this.#queue.peek()) {
      this.#settle(head, undefined);
    }
    this.#expire(now + EPSILON_MS);
    this.#reschedule();
  }

  /** Rejects every waiter whose deadline is at or before `until`; within a priority, deadlines are in queue order. */
  #expire(until: number): void {
    for (;;) {
      let expired: QueueNode<Waiter> | undefined;
      for (const head of this.#queue.heads()) {
        if (head.value.deadline <= until) {
          expired = head;
          break;
        }
      }
      if (expired === undefined) return;
      const maxWait = maxQueueingTimeFor(this.#config, expired.priority);
      this.#settle(expired, queueTimeout(expired.priority, maxWait, 'no token came in time'));
    }
  }

  #reschedule(): void {
    let at = Number.POSITIVE_INFINITY;
    if (this.#queue.size > 0) {
      at = this.#clock.now() + this.bucket.msUntil(1);
      for (const head of this.#queue.heads()) at = Math.min(at, head.value.deadline);
    }
    if (at === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.#timer = this.#clock.schedule(Math.max(0, at - this.#clock.now()), () => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#drain();
    });
  }

  /** Takes the waiter out of the queue and resolves it (no error) or rejects it. */
  #settle(node: QueueNode<Waiter>, error: unknown): void {
    if (!this.#queue.remove(node)) return;
    const waiter = node.value;
    if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener('abort', waiter.onAbort);
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  }
}

function queueTimeout(priority: number, maxWait: number, why: string): MeshError {
  return new MeshError('SIDELET_QUEUE_TIMEOUT', `rate limit queue: priority ${priority} may wait ${maxWait} ms and ${why}`);
}
