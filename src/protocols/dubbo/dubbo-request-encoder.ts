// A Dubbo 2 request frame from a call: the 16-byte header (request, two-way, hessian2) and the
// body Dubbo's DubboCodec writes — dubbo version, service path, service version, method,
// parameter-types descriptor, the arguments, then the attachments — in hessian.js's Hessian 2.0.
import { encodeValues, hessian2 } from '../xprotocol/hessian-libraries.ts';
import { type JavaArg, jvmDescriptor } from '../xprotocol/java-args.ts';
import { dubboFrame, FLAG_REQUEST, FLAG_TWO_WAY, HESSIAN2 } from './dubbo-layout.ts';

/** The Dubbo protocol version requests carry; providers answer 2.0.2 and later with response attachments. */
export const DUBBO_PROTOCOL_VERSION = '2.0.2';
/** The version Dubbo gives a service published without one. */
export const DUBBO_DEFAULT_VERSION = '0.0.0';

export interface DubboCall {
  /** The interface, also the service path. */
  readonly service: string;
  readonly method: string;
  /** Default `0.0.0`. */
  readonly version?: string;
  readonly group?: string;
  readonly args: readonly JavaArg[];
  /** The caller's attachments; `path`, `interface`, `version`, `group` and `timeout` come from the call. */
  readonly attachments?: Readonly<Record<string, string>>;
  /** Sent as the `timeout` attachment (ms), which providers and the mesh read as the caller's deadline. */
  readonly timeoutMs?: number;
}

export function encodeDubboRequest(call: DubboCall, id: bigint): Buffer {
  const version = call.version ?? DUBBO_DEFAULT_VERSION;
  // Strings only: Dubbo 2.6 reads attachments as Map<String, String>, later versions take them as they come.
  const attachments: Record<string, string> = { ...call.attachments, path: call.service, interface: call.service, version };
  if (call.group !== undefined && call.group !== '') attachments.group = call.group;
  if (call.timeoutMs !== undefined) attachments.timeout = String(call.timeoutMs);
  const body = encodeValues(hessian2(), (out) => {
    out.write(DUBBO_PROTOCOL_VERSION);
    out.write(call.service);
    out.write(version);
    out.write(call.method);
    out.write(call.args.map((arg) => jvmDescriptor(arg.type)).join(''));
    for (const arg of call.args) out.write(arg.value);
    out.write({ $class: 'java.util.HashMap', $: attachments });
  });
  return dubboFrame(FLAG_REQUEST | FLAG_TWO_WAY | HESSIAN2, 0, id, body);
}
