// Counts the faults being injected right now, for Envoy's HTTPFault max_active_faults, in an
// Int32Array slot updated with Atomics so a SharedArrayBuffer makes the count the process's.

const kActive = 0;
/** Bytes the counter takes; allocate a SharedArrayBuffer of this size to share it across threads. */
export const ACTIVE_FAULTS_BYTES = 4;

/**
 * Threading: any thread holding an ActiveFaults over the same buffer may call it. The runtime
 * calls `tryEnter` for a non-empty FaultDecision before injecting it (and injects nothing when
 * it is refused, as Envoy skips all faults once the limit is reached), then `leave` once the
 * faulted request is done.
 */
export class ActiveFaults {
  readonly #slots: Int32Array;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(ACTIVE_FAULTS_BYTES)) {
    this.#slots = new Int32Array(buffer, 0, 1);
  }

  get active(): number {
    return Atomics.load(this.#slots, kActive);
  }

  /** Counts one more active fault unless `max` are active; undefined means unlimited. */
  tryEnter(max: number | undefined): boolean {
    for (;;) {
      const active = Atomics.load(this.#slots, kActive);
      if (max !== undefined && active >= max) return false;
      if (Atomics.compareExchange(this.#slots, kActive, active, active + 1) === active) return true;
    }
  }

  leave(): void {
    Atomics.sub(this.#slots, kActive, 1);
  }
}
