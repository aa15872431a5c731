// The real peer's side of the interop test: @grpc/grpc-js-xds resolves `xds:///echo:50051` from
// a gRPC bootstrap and calls the echo backends; returns the name of the backend of each call.
import * as grpc from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { CANARY, ECHO_LISTENER } from './echo-resources.ts';
import { say } from './echo-server.ts';
import { inBatches } from './in-batches.ts';

export interface Served {
  /** Backend names of the calls without the header, in call order. */
  readonly plain: readonly string[];
  /** Backend names of the calls carrying `x-variant: canary`. */
  readonly canary: readonly string[];
}

/**
 * grpc-js-xds reads its bootstrap once per process (GRPC_XDS_BOOTSTRAP_CONFIG), so a process
 * runs this once. The first call waits for the resources and connections; the rest go in
 * batches started in order, so the picks draw the seeded random in call order.
 */
export async function callThroughGrpcJsXds(bootstrap: object, plainCalls: number, canaryCalls: number, seed: number): Promise<Served> {
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(bootstrap);
  register();
  const client = new grpc.Client(`xds:///${ECHO_LISTENER}`, grpc.credentials.createInsecure());
  // grpc-js-xds draws its weighted-cluster pick from Math.random (route-action.ts,
  // WeightedClusterRouteAction.getCluster); a seeded source for the calls makes the split
  // reproducible, as sidelet's injected random is, instead of a sample that fails by chance.
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    const first = await say(client, new grpc.Metadata(), 15_000);
    const plain = [first, ...(await inBatches(plainCalls - 1, () => say(client, new grpc.Metadata())))];
    const metadata = new grpc.Metadata();
    metadata.set(CANARY.header, CANARY.value);
    return { plain, canary: await inBatches(canaryCalls, () => say(client, metadata)) };
  } finally {
    Math.random = original;
    client.close();
  }
}
