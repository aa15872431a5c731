// An idle timeout on the injected Clock (Envoy's stream idle timeout and per-try idle timeout):
// fires once when nothing touched it for `ms`. Touching only records the time; the timer re-arms
// for the remainder when it falls due, so a stream's every chunk costs no timer work.
import type { Clock, TimerHandle } from '../clock.ts';

/** Owned by the thread that runs the attempt loop; `touch` and `stop` are called on it. */
export class IdleTimer {
  readonly #clock: Clock;
  readonly #ms: number;
  readonly #onIdle: () => void;
  #last: number;
  #timer: TimerHandle | undefined;

  /** Starts counting now; `onIdle` runs once, after `ms` without a `touch`, unless stopped first. */
  constructor(clock: Clock, ms: number, onIdle: () => void) {
    this.#clock = clock;
    this.#ms = ms;
    this.#onIdle = onIdle;
    this.#last = clock.now();
    this.#timer = clock.schedule(ms, this.#due);
  }

  /** Progress: the idle time starts again from now. */
  touch(): void {
    this.#last = this.#clock.now();
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  readonly #due = (): void => {
    if (this.#timer === undefined) return;
    const idle = this.#clock.now() - this.#last;
    if (idle < this.#ms) {
      this.#timer = this.#clock.schedule(this.#ms - idle, this.#due);
      return;
    }
    this.#timer = undefined;
    this.#onIdle();
  };
}
