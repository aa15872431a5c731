// Deadlines on the injected Clock from resolved timeouts: the request's, each attempt's, and
// whether a back-off still fits. Pure apart from arming Clock timers in `armDeadline`.
import type { Clock, TimerHandle } from '../clock.ts';
import type { EffectiveTimeouts } from './timeout-resolve.ts';

/** `Clock.now()` ms by which the whole request must end; undefined: never. */
export function requestDeadline(timeouts: EffectiveTimeouts, startedAt: number): number | undefined {
  return timeouts.totalMs === undefined ? undefined : startedAt + timeouts.totalMs;
}

/** The deadline of an attempt starting now: its per-try timeout, never past the request's deadline. */
export function attemptDeadline(timeouts: EffectiveTimeouts, request: number | undefined, now: number): number | undefined {
  const perTry = timeouts.perTryMs === undefined ? undefined : now + timeouts.perTryMs;
  if (perTry === undefined) return request;
  return request === undefined ? perTry : Math.min(perTry, request);
}

/** Ms left until `deadline` (0 once passed; Infinity without one). */
export function remainingMs(deadline: number | undefined, now: number): number {
  return deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadline - now);
}

/** A retry after `delayMs` can still start before the deadline. */
export function backoffFits(deadline: number | undefined, now: number, delayMs: number): boolean {
  return deadline === undefined || now + delayMs < deadline;
}

/**
 * Arms `onExpire` at `deadline` on the clock; undefined when there is no deadline. The caller
 * (the thread running the attempt loop) owns the handle and cancels it when the request or
 * attempt ends.
 */
export function armDeadline(clock: Clock, deadline: number | undefined, onExpire: () => void): TimerHandle | undefined {
  if (deadline === undefined) return undefined;
  return clock.schedule(Math.max(0, deadline - clock.now()), onExpire);
}
