// Reconnect delays for the ADS stream: gRPC's connection back-off (initial 1 s, multiplier 1.6,
// jitter ±20 %, at most 120 s; grpc/doc/connection-backoff.md). Pure: randomness is injected.

export interface BackoffOptions {
  readonly initialMs: number;
  readonly multiplier: number;
  readonly jitter: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, multiplier: 1.6, jitter: 0.2, maxMs: 120_000 };

/** Owned by the thread that runs the ADS client; `next()` after each failed attempt, `reset()` once a response arrives. */
export class Backoff {
  readonly #options: BackoffOptions;
  readonly #random: () => number;
  #current: number;

  constructor(options: BackoffOptions, random: () => number) {
    this.#options = options;
    this.#random = random;
    this.#current = options.initialMs;
  }

  /** The delay before the next attempt, then grows the base for the one after. */
  next(): number {
    const { jitter, multiplier, maxMs } = this.#options;
    const delay = this.#current * (1 + jitter * (this.#random() * 2 - 1));
    this.#current = Math.min(this.#current * multiplier, maxMs);
    return Math.max(0, delay);
  }

  reset(): void {
    this.#current = this.#options.initialMs;
  }
}
