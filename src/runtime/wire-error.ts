// Errors across threads: a MeshError keeps its stable code, an abort stays an abort, anything
// else becomes a plain Error with its message. Structured clone would lose the classes.
import { MeshError } from '../core/errors.ts';
import type { WireError } from './protocol.ts';

export function toWireError(error: unknown): WireError {
  if (error instanceof MeshError) return { code: error.code, message: error.message };
  if (error instanceof Error && error.name === 'AbortError') return { code: 'ABORTED', message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** The error to throw on this side; an abort becomes `abortReason` when the caller has one. */
export function fromWireError(error: WireError, abortReason?: unknown): unknown {
  if (error.code === 'ABORTED') return abortReason ?? new DOMException(error.message, 'AbortError');
  if (error.code === 'INTERNAL') return new Error(error.message);
  return new MeshError(error.code, error.message);
}
