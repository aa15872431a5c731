// Request frames as the peers' own decoders read them, field by field, so invoke's frames and the
// real clients' frames compare by what a server sees, not by bytes: Dubbo bodies with hessian.js
// in DecodeableRpcInvocation's order, Bolt requests with sofa-bolt-node's protocol decoder.
import { createRequire } from 'node:module';
import { countParameters } from '../../../src/protocols/dubbo/dubbo-body.ts';

const require = createRequire(import.meta.url);

interface Decoder {
  read(): unknown;
}

const hessian = require('hessian.js') as { DecoderV2: new (bytes: Buffer) => Decoder };

export interface DubboBodyFields {
  readonly dubbo: unknown;
  readonly path: unknown;
  readonly version: unknown;
  readonly method: unknown;
  readonly descriptor: string;
  readonly args: unknown[];
  readonly attachments: Record<string, unknown>;
}

export function dubboBodyFields(frame: Buffer): DubboBodyFields {
  const body = new hessian.DecoderV2(frame.subarray(16));
  const [dubbo, path, version, method] = [body.read(), body.read(), body.read(), body.read()];
  const descriptor = body.read() as string;
  const args = Array.from({ length: countParameters(descriptor) }, () => body.read());
  return { dubbo, path, version, method, descriptor, args, attachments: body.read() as Record<string, unknown> };
}

/** A decoded SofaRequest, its arguments and the frame options, as a sofa-bolt-node server sees them. */
export interface BoltRequestFields {
  readonly packetId: number;
  readonly className: string;
  readonly data: {
    readonly targetAppName: string | null | undefined;
    readonly methodName: string;
    readonly serverSignature: string;
    readonly args: unknown[];
    readonly methodArgSigs: string[];
    readonly requestProps: Record<string, unknown> | null;
  };
  readonly options: { readonly protocolType: string; readonly boltVersion?: number; readonly crcEnable?: boolean; readonly timeout?: number };
}

const bolt = require('sofa-bolt-node/lib/protocol/index.js') as { decode(frame: Buffer, options: object): BoltRequestFields };

export function boltRequestFields(frame: Buffer): BoltRequestFields {
  return bolt.decode(frame, {});
}
