// What the mesh reads from a hessian2 Dubbo body (Dubbo's DubboCodec / DecodeableRpcInvocation /
// DecodeableRpcResult): a request's metas and attachments with the arguments stepped over, a
// response's type and attachments, an error response's message.
import { FrameFieldError } from '../xprotocol/frame-error.ts';
import { Hessian2Reader } from './hessian2-reader.ts';

/** How a call ended, from the first value of an OK response's body. */
export type DubboResponseType = 'exception' | 'value' | 'null';

const RESPONSE_TYPES: readonly DubboResponseType[] = ['exception', 'value', 'null'];
/** Types 3 to 5 are 0 to 2 followed by the attachments map (Dubbo 2.6.3 and later). */
const WITH_ATTACHMENTS = 3;

const GENERIC_METHODS: ReadonlySet<string> = new Set(['$invoke', '$invokeAsync']);

/**
 * The request's routing headers: every attachment (names lower-cased), then `service` (the
 * service path), `method`, `version` (when the body has one) and `dubbo` (the protocol version)
 * from the body's leading values, which win over attachments of the same names. For a generic
 * call (`$invoke`) the method is its first argument, the real method's name.
 */
export function readRequestHeaders(bytes: Buffer, start: number): Map<string, string> {
  const body = new Hessian2Reader(bytes, start, bytes.length, 'dubbo request body');
  const dubboVersion = body.readString('dubbo version');
  const path = body.readString('service path');
  const version = body.readString('service version');
  let method = body.readString('method name');
  // Dubbox writes an int (-1) before the parameter types.
  if (body.isInt()) body.readInt('dubbox marker');
  const parameterTypes = body.readString('parameter types');
  const count = countParameters(parameterTypes);
  for (let i = 0; i < count; i++) {
    if (i === 0 && GENERIC_METHODS.has(method) && body.isString()) method = body.readString('generic method name');
    else body.skipValue(`argument ${i + 1} of ${count}`);
  }
  const headers = new Map<string, string>();
  if (!body.atEnd) body.readStringMap('attachments', (name, value) => headers.set(name.toLowerCase(), value));
  headers.set('service', path);
  headers.set('method', method);
  if (version !== '') headers.set('version', version);
  if (dubboVersion !== '') headers.set('dubbo', dubboVersion);
  return headers;
}

export interface ResponseBody {
  readonly type: DubboResponseType;
  /** The response attachments, names lower-cased; empty for types without them. */
  readonly headers: Map<string, string>;
}

export function readResponseBody(bytes: Buffer, start: number): ResponseBody {
  const body = new Hessian2Reader(bytes, start, bytes.length, 'dubbo response body');
  const code = body.readInt('response type');
  if (code < 0 || code > 5) throw new FrameFieldError(`dubbo response body: response type ${code} is not one of 0 to 5`);
  const type = RESPONSE_TYPES[code % WITH_ATTACHMENTS]!;
  const headers = new Map<string, string>();
  if (code < WITH_ATTACHMENTS) return { type, headers };
  if (type !== 'null') body.skipValue(type);
  body.readStringMap('attachments', (name, value) => headers.set(name.toLowerCase(), value));
  return { type, headers };
}

/** The message of a non-OK response, or of an event. */
export function readBodyString(bytes: Buffer, start: number, field: string): string {
  return new Hessian2Reader(bytes, start, bytes.length, 'dubbo body').readString(field);
}

/** True when the body is empty or starts with a hessian null: a heartbeat's body (some peers write two nulls). */
export function isNullBody(bytes: Buffer, start: number): boolean {
  return bytes.length === start || bytes[start] === 0x4e;
}

/**
 * The number of parameters in a JVM method descriptor's parameter list, as Dubbo writes it
 * (`Ljava/lang/String;I[J` is three): each is a primitive letter or `L…;`, after any `[`s.
 */
export function countParameters(descriptor: string): number {
  let count = 0;
  let i = 0;
  while (i < descriptor.length) {
    while (descriptor[i] === '[') i++;
    const c = descriptor[i];
    if (c === 'L') {
      const end = descriptor.indexOf(';', i);
      if (end < 0) throw new FrameFieldError(`dubbo request body: parameter types "${descriptor}": class name at ${i} has no closing ";"`);
      i = end + 1;
    } else if (c !== undefined && 'ZBCDFIJS'.includes(c)) {
      i++;
    } else {
      throw new FrameFieldError(`dubbo request body: parameter types "${descriptor}": ${c === undefined ? 'ends after "["' : `"${c}" at ${i} is no JVM type`}`);
    }
    count++;
  }
  return count;
}
