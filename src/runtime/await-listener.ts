// Waiting for a call's listener from the control plane, until the call is aborted. With failOpen,
// the wait ends as soon as the control plane is found unreachable, with the retriable
// SIDELET_RUNTIME_FAILURE that sends the call direct to its authority; without it, the xDS
// client's own timeouts apply.
import type { CallSignal } from '../core/call-signal.ts';
import { MeshError } from '../core/errors.ts';
import type { XdsHandle } from '../xds/start-xds.ts';

/**
 * `failFast`: failOpen is on and the listener is not known yet (a known one resolves at once, and
 * marks it used). The call's `signal` ends the wait with its reason.
 */
export function awaitListener(xds: Pick<XdsHandle, 'ensureListener' | 'unreachable'>, name: string, failFast: boolean, signal?: CallSignal): Promise<void> {
  const ready = xds.ensureListener(name);
  const unreachable = failFast
    ? xds.unreachable().then(() => {
        throw new MeshError('SIDELET_RUNTIME_FAILURE', `the control plane is unreachable and has not delivered listener "${name}"`);
      })
    : undefined;
  return abortable(unreachable === undefined ? ready : Promise.race([ready, unreachable]), signal);
}

/** `promise`, or the signal's reason if it aborts first. */
export function abortable<T>(promise: Promise<T>, signal: CallSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
