// The registry the runtime starts with: the Dubbo and SOFA Bolt codecs under their dotted names.
import { boltCodec } from '../bolt/bolt-codec.ts';
import { dubboCodec } from '../dubbo/dubbo-codec.ts';
import { ProtocolRegistry } from './registry.ts';

export function builtinProtocols(): ProtocolRegistry {
  const registry = new ProtocolRegistry();
  registry.register(dubboCodec);
  registry.register(boltCodec);
  return registry;
}
