// Rolls the statistics windows of every error-rate breaker from one timer per bucket length,
// on the injected Clock: opossum's rotateBucketController (nodeshift/opossum#809) instead of an
// interval timer per breaker, so 10,000 breakers cost one timer, not 10,000.
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.ts';

interface Controller {
  readonly emitter: EventEmitter;
  timer: TimerHandle;
  users: number;
}

/**
 * Threads: owned by the thread that owns the error-rate breakers (the control thread in
 * worker mode, the calling thread inline); only that thread may call it.
 */
export class BucketRotation {
  readonly #clock: Clock;
  readonly #controllers = new Map<number, Controller>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The emitter that fires opossum's 'rotate' every `bucketMs`; its timer runs while a breaker uses it. */
  acquire(bucketMs: number): EventEmitter {
    const existing = this.#controllers.get(bucketMs);
    if (existing !== undefined) {
      existing.users++;
      return existing.emitter;
    }
    const emitter = new EventEmitter();
    // One 'rotate' listener per breaker: thousands are expected, not a leak.
    emitter.setMaxListeners(0);
    const tick = (): void => {
      controller.timer = this.#clock.schedule(bucketMs, tick);
      emitter.emit('rotate');
    };
    const controller: Controller = { emitter, timer: this.#clock.schedule(bucketMs, tick), users: 1 };
    this.#controllers.set(bucketMs, controller);
    return emitter;
  }

  /** A breaker of `bucketMs` buckets is gone; the last one stops the timer. */
  release(bucketMs: number): void {
    const controller = this.#controllers.get(bucketMs);
    if (controller === undefined || --controller.users > 0) return;
    controller.timer.cancel();
    this.#controllers.delete(bucketMs);
  }

  /** Timers running now (one per distinct bucket length in use). */
  get timers(): number {
    return this.#controllers.size;
  }
}
