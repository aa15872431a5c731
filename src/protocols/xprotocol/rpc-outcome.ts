// How an RPC call ended, as its response frame says: a value, the remote method's exception, a
// mesh failure answered by sidelet's hijack, or a server (framework) error. Each protocol's
// response decoder produces one; the invoke API turns it into a value or a typed error.
import type { MeshFailureCode } from '../../core/errors.ts';

export type RpcOutcome =
  | { readonly kind: 'value'; readonly value: unknown; readonly attachments: Readonly<Record<string, unknown>> }
  | { readonly kind: 'exception'; readonly className: string; readonly message: string; readonly exception: unknown }
  | { readonly kind: 'mesh-failure'; readonly code: MeshFailureCode; readonly detail: string }
  /** `status` is the protocol's; undefined when the answer could not be read at all. */
  | { readonly kind: 'server-error'; readonly status: number | undefined; readonly statusName: string; readonly message: string };

/**
 * The class and message of a decoded remote exception. `plain` is the value read without types
 * (hessian.js turns classes named `…Exception` into Errors named after the class), `className`
 * the class the typed read saw; a bare string (what some Node providers send) has no class.
 */
export function describeException(plain: unknown, className: string | undefined): { className: string; message: string } {
  if (typeof plain === 'string') return { className: '', message: plain };
  const name = className === 'java.lang.String' ? '' : (className ?? '');
  if (plain instanceof Error) return { className: name || plain.name, message: plain.message };
  if (typeof plain === 'object' && plain !== null) {
    const detail = (plain as { detailMessage?: unknown }).detailMessage;
    return { className: name, message: typeof detail === 'string' ? detail : '' };
  }
  return { className: name, message: String(plain) };
}

/** `{ $class }` of a value read with types, when it has one. */
export function typedClass(typed: unknown): string | undefined {
  if (typeof typed !== 'object' || typed === null) return undefined;
  const name = (typed as { $class?: unknown }).$class;
  return typeof name === 'string' ? name : undefined;
}
