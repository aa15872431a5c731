// The cancellation a call carries through the core: only what the core asks of an AbortSignal
// (aborted, reason, abort listeners), so a caller's AbortSignal serves as it is, while the
// listeners and the dispatcher give each call a CallAbort, a few fields instead of an EventTarget.

export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A call's signal and its trigger in one. As an AbortSignal's, each listener runs once, in the
 * order added, on the first abort(); one added twice runs once; one added after the abort never.
 * Owned by the thread that made it.
 */
export class CallAbort implements CallSignal {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    const listeners = (this.#listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    const at = listeners === undefined ? -1 : listeners.indexOf(listener);
    if (at >= 0) listeners!.splice(at, 1);
  }

  /** Aborts once with `reason` (an AbortError DOMException when none is given, as AbortController does). */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners === undefined) return;
    for (const listener of listeners) {
      // As an EventTarget does: a listener that throws is reported on its own; the others still run.
      try {
        listener();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
