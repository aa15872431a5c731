// The echo service every x-protocol peer exposes, and what callers get back from it: answers
// that name the instance and version that served them, injectable faults, one error type.

/** Dubbo interface name and the Bolt service signature prefix (`<interface>:<version>`). */
export const ECHO_INTERFACE = 'com.example.EchoService';

/** The Java class of the business exception that `fail()` throws. */
export const ECHO_EXCEPTION = 'com.example.EchoException';

/**
 * What a server does with every call while set: `none` serves normally, `error` answers with a
 * server (framework-level) error, `hang` never answers — for retry and backup-request tests.
 */
export type Fault = 'none' | 'error' | 'hang';

/** The answer of `echo` and `slow`: `<instance>@<version>:<message>`, so tests see who served. */
export function answer(instance: string, version: string, message: string): string {
  return `${instance}@${version}:${message}`;
}

/** The message of the business exception `fail()` throws on `instance`. */
export function failMessage(instance: string): string {
  return `${instance}: fail() called`;
}

/** The message of the server error an `error` fault produces on `instance`. */
export function faultMessage(instance: string): string {
  return `${instance}: injected fault`;
}

/** One call as a server saw it. */
export interface ServedCall {
  /** Interface (Dubbo) or service signature (Bolt) the caller named. */
  readonly service: string;
  readonly version: string;
  readonly group: string;
  readonly method: string;
  readonly args: readonly unknown[];
  /** Dubbo attachments or Bolt request props, as decoded by the server library. */
  readonly props: Readonly<Record<string, unknown>>;
}

/** The calls a server saw, with an event-driven wait for the n-th one. */
export class CallLog<T extends ServedCall> {
  readonly calls: T[] = [];
  #waiters: { readonly count: number; readonly resolve: () => void }[] = [];

  record(call: T): void {
    this.calls.push(call);
    const ready = this.#waiters.filter((waiter) => this.calls.length >= waiter.count);
    this.#waiters = this.#waiters.filter((waiter) => this.calls.length < waiter.count);
    for (const waiter of ready) waiter.resolve();
  }

  /** Resolves once at least `count` calls have arrived. */
  until(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

/**
 * How a peer client call failed: `timeout` (the client gave up), `error` (the server answered
 * with an exception or error status), `closed` (the connection went away first).
 */
export type PeerFailure = 'timeout' | 'error' | 'closed';

export class PeerCallError extends Error {
  readonly kind: PeerFailure;
  constructor(kind: PeerFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PeerCallError';
    this.kind = kind;
  }
}

/** A server-side timer that close() can cancel, so a pending `slow` never holds the process. */
export class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      fn();
    }, ms);
    this.#pending.add(timer);
  }

  clear(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}
