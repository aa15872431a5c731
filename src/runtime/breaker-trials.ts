// A half-open error-rate breaker admits one trial call per process, although its state reaches
// every data-plane worker by message: the control thread arms a token in shared memory, and the
// one worker whose call swaps it out sends the trial; the others refuse as the inline breaker does.
import type { BreakerTrial } from './protocol.ts';

/**
 * Owned by the control thread. A trial lost with its worker (killed mid-call, so its outcome
 * never comes) would hold the breaker half-open for good: the token is put back every
 * `rearmMs` (the breaker's reset timeout) while the breaker stays half-open.
 */
export class BreakerTrials {
  readonly #slots: Int32Array;
  readonly #armed = new Map<string, { readonly trial: BreakerTrial; readonly timer: NodeJS.Timeout }>();
  readonly #free: number[];
  /** Tokens are never 0 (a taken slot) and differ between arms, so a worker holding a stale slot cannot take another breaker's trial. */
  #nextToken = 1;

  constructor(buffer: SharedArrayBuffer) {
    this.#slots = new Int32Array(buffer);
    this.#free = Array.from({ length: this.#slots.length }, (_, i) => this.#slots.length - 1 - i);
  }

  /** The breaker `name` went half-open: its trial, or undefined when every slot is in use (its calls are then all admitted). */
  arm(name: string, rearmMs: number): BreakerTrial | undefined {
    this.disarm(name);
    const slot = this.#free.pop();
    if (slot === undefined) return undefined;
    const token = this.#nextToken;
    this.#nextToken = token === 0x7fff_ffff ? 1 : token + 1;
    const trial = { slot, token };
    Atomics.store(this.#slots, slot, token);
    const timer = setInterval(() => Atomics.store(this.#slots, slot, token), rearmMs);
    timer.unref();
    this.#armed.set(name, { trial, timer });
    return trial;
  }

  /** The trial of `name`, while it is half-open. */
  trialOf(name: string): BreakerTrial | undefined {
    return this.#armed.get(name)?.trial;
  }

  /** The breaker closed or opened again (or is gone): its slot is free. */
  disarm(name: string): void {
    const armed = this.#armed.get(name);
    if (armed === undefined) return;
    clearInterval(armed.timer);
    Atomics.store(this.#slots, armed.trial.slot, 0);
    this.#free.push(armed.trial.slot);
    this.#armed.delete(name);
  }

  clear(): void {
    for (const name of [...this.#armed.keys()]) this.disarm(name);
  }
}

/** On a worker: true for the one call that takes the trial (the token is swapped for 0). */
export function takeTrial(slots: Int32Array, trial: BreakerTrial): boolean {
  return Atomics.compareExchange(slots, trial.slot, trial.token, 0) === trial.token;
}
