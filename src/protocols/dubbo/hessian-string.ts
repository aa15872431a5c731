// One string in Hessian 2.0, written by hessian.js: the body of Dubbo's error responses. Loaded on
// first use, since most processes never answer a Dubbo call for the mesh.
import { createRequire } from 'node:module';

interface HessianEncoder {
  write(value: unknown): unknown;
  get(): Buffer;
}

interface HessianModule {
  readonly EncoderV2: new () => HessianEncoder;
}

let hessian: HessianModule | undefined;

export function hessianString(value: string): Buffer {
  hessian ??= createRequire(import.meta.url)('hessian.js') as HessianModule;
  const encoder = new hessian.EncoderV2();
  encoder.write(value);
  return encoder.get();
}
