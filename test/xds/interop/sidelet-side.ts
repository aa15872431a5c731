// sidelet's side of the interop test: startXds on the same control plane, ensureListener, then
// each call through handleRequest on the current snapshot with a transport that calls the echo
// backends for real; returns the cluster the core routed each call to.
import type { Bootstrap } from '../../../src/config/bootstrap.ts';
import { handleRequest, type MeshRequest } from '../../../src/core/call/request-pipeline.ts';
import { SnapshotState } from '../../../src/core/call/snapshot-state.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { SnapshotStore } from '../../../src/core/model/snapshot-store.ts';
import { startXds } from '../../../src/xds/start-xds.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { CANARY, ECHO_LISTENER } from './echo-resources.ts';
import { SAY_PATH } from './echo-server.ts';
import { EchoTransport } from './echo-transport.ts';
import { inBatches } from './in-batches.ts';

export interface RoutedCall {
  /** The routing decision. */
  readonly cluster: string;
  readonly endpoint: string;
  /** The name the backend that answered gave. */
  readonly served: string;
}

export interface Routed {
  readonly plain: readonly RoutedCall[];
  /** The calls carrying `x-variant: canary`. */
  readonly canary: readonly RoutedCall[];
}

/**
 * The calls go in batches started in order (the router draws its random before the first await,
 * so in call order); the pipeline's timers run on a clock that never moves, so none fires.
 */
export async function callThroughSidelet(bootstrap: Bootstrap, plainCalls: number, canaryCalls: number, seed: number): Promise<Routed> {
  const store = new SnapshotStore();
  const xds = startXds(bootstrap, { store, clock: systemClock, random: seededRandom(seed) });
  const transport = new EchoTransport();
  const clock = new FakeClock();
  try {
    await xds.ensureListener(ECHO_LISTENER);
    const random = seededRandom(seed);
    const deps = { clock, random, wallNow: () => clock.now(), transport, state: new SnapshotState(store.current, clock, random) };
    const call = async (extra: readonly [string, string][]): Promise<RoutedCall> => {
      const result = await handleRequest(request(extra), deps);
      if (result.kind !== 'upstream' || result.call.response.grpcStatus !== 0) throw new Error(`expected an upstream answer, got ${JSON.stringify(result)}`);
      return { cluster: result.cluster, endpoint: result.call.endpoint.id, served: String(result.call.response.body) };
    };
    const plain = await inBatches(plainCalls, () => call([]));
    const canary = await inBatches(canaryCalls, () => call([[CANARY.header, CANARY.value]]));
    return { plain, canary };
  } finally {
    transport.close();
    xds.close();
  }
}

function request(extra: readonly [string, string][]): MeshRequest {
  return {
    listenerName: ECHO_LISTENER,
    authority: ECHO_LISTENER,
    path: SAY_PATH,
    method: 'POST',
    headers: new Map([['content-type', 'application/grpc'], ['te', 'trailers'], ...extra]),
    bodyReplayable: true,
  };
}
