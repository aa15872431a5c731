// The x-protocol relay end to end, with real peers from npm: a sofa-bolt-node client to a
// sofa-bolt-node server, and a dubbo2.js consumer to an apache-dubbo-service provider — direct, and
// through sidelet's listener (inline mesh, and worker mode with one data-plane thread) in this
// process. Calls per second with many in flight, per-call latency p50/p99 then and one at a time,
// and each relay's ratio to the direct run beside it.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { createMesh, type Mesh } from '../src/api/mesh.ts';
import { createXProtocolServer, type XProtocolServer } from '../src/standalone/xprotocol-listener.ts';
import { connectBoltClient, startBoltServer, BOLT_ECHO_SERVICE } from '../test/interop/xprotocol/bolt-peers.ts';
import { createDubboConsumer, startDubboProvider } from '../test/interop/xprotocol/dubbo-peers.ts';
import { ECHO_INTERFACE } from '../test/interop/xprotocol/echo-service.ts';
import { rpcBootstrap, rpcCluster, serviceListener } from '../test/protocols/xprotocol-relay/relay-bootstrap.ts';
import { percentile } from './harness.ts';

const CONCURRENCY = 32;
const CALLS = 8_000;
const WARM_UP = 2_000;
const SEQUENTIAL = 1_000;
/** Runs per subject, interleaved so a burst of other work on the machine hits all alike. */
const ROUNDS = 3;

interface Result {
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

/** `calls` calls of `call`, `concurrency` in flight at a time; latency of each call. */
async function load(call: () => Promise<unknown>, calls: number, concurrency: number): Promise<Result> {
  const latencies: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < calls) {
      started++;
      const t0 = performance.now();
      await call();
      latencies.push((performance.now() - t0) * 1000);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { rps: (calls * 1000) / elapsed, p50Us: percentile(latencies, 0.5), p99Us: percentile(latencies, 0.99) };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Subject {
  readonly name: string;
  readonly call: () => Promise<unknown>;
}

async function measure(title: string, subjects: readonly Subject[]): Promise<void> {
  for (const subject of subjects) await load(subject.call, WARM_UP, CONCURRENCY);
  const loaded = new Map<string, Result[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) for (const s of subjects) loaded.get(s.name)!.push(await load(s.call, CALLS, CONCURRENCY));
  const sequential = new Map<string, Result>();
  for (const s of subjects) sequential.set(s.name, await load(s.call, SEQUENTIAL, 1));
  const rows = subjects.map((s) => {
    const runs = loaded.get(s.name)!;
    return { name: s.name, rps: median(runs.map((r) => r.rps)), runs: runs.map((r) => Math.round(r.rps)), p50: median(runs.map((r) => r.p50Us)), p99: median(runs.map((r) => r.p99Us)), seq: sequential.get(s.name)! };
  });
  const direct = rows[0]!;
  console.log(`\n## ${title}  (node ${process.version})`);
  console.table(
    rows.map((r) => ({
      name: r.name,
      [`calls/s @${CONCURRENCY}`]: Math.round(r.rps).toLocaleString('en-US'),
      'runs calls/s': r.runs.join(' / '),
      [`p50 µs @${CONCURRENCY}`]: r.p50.toFixed(0),
      [`p99 µs @${CONCURRENCY}`]: r.p99.toFixed(0),
      'p50 µs seq': r.seq.p50Us.toFixed(0),
      'p99 µs seq': r.seq.p99Us.toFixed(0),
      'vs direct': `${(r.rps / direct.rps).toFixed(2)}x`,
      'added p50 µs seq': r === direct ? '-' : (r.seq.p50Us - direct.seq.p50Us).toFixed(0),
    })),
  );
}

async function listenOn(mesh: Mesh): Promise<{ server: XProtocolServer; port: number }> {
  const server = createXProtocolServer(mesh);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function stop(server: XProtocolServer): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}

const boltServer = await startBoltServer({ name: 'bench' });
const dubboProvider = await startDubboProvider({ name: 'bench' });
const bootstrap = rpcBootstrap(
  [serviceListener(BOLT_ECHO_SERVICE, [{ match: { prefix: '/' }, route: { cluster: 'bolt' } }]), serviceListener(ECHO_INTERFACE, [{ match: { prefix: '/' }, route: { cluster: 'dubbo' } }])],
  [rpcCluster('bolt', [boltServer.port]), rpcCluster('dubbo', [dubboProvider.port])],
);
const inline = await createMesh({ mode: 'inline', bootstrap });
const worker = await createMesh({ mode: 'worker', workers: 1, bootstrap });
const listeners = [await listenOn(inline), await listenOn(worker)];
const closers: (() => Promise<void>)[] = [];
try {
  const bolt = await Promise.all([boltServer.port, listeners[0]!.port, listeners[1]!.port].map((port) => connectBoltClient({ port })));
  closers.push(...bolt.map((c) => () => c.close()));
  await measure(
    'Bolt relay: sofa-bolt-node client → server, hessian2 echo',
    ['direct', 'via sidelet listener (inline)', 'via sidelet listener (worker, 1 thread)'].map((name, i) => ({ name, call: () => bolt[i]!.echo('hello') })),
  );

  const dubbo = [dubboProvider.port, listeners[0]!.port, listeners[1]!.port].map((port) => createDubboConsumer({ port, timeoutMs: 10_000 }));
  closers.push(...dubbo.map((c) => () => c.close()));
  const stubs = dubbo.map((c) => c.echoService('1.0.0'));
  await measure(
    'Dubbo relay: dubbo2.js consumer → apache-dubbo-service provider, hessian2 echo',
    ['direct', 'via sidelet listener (inline)', 'via sidelet listener (worker, 1 thread)'].map((name, i) => ({ name, call: () => stubs[i]!.echo('hello') })),
  );
  console.log(
    `Medians of ${ROUNDS} interleaved runs of ${CALLS.toLocaleString('en-US')} calls with ${CONCURRENCY} in flight on one client connection (after ${WARM_UP.toLocaleString('en-US')} warm-up), then ${SEQUENTIAL.toLocaleString('en-US')} one at a time. Client, sidelet and server share this process's event loop (the worker subject runs the core on its own thread) and the machine's ${availableParallelism()} cores.`,
  );
} finally {
  for (const close of closers) await close();
  for (const { server } of listeners) await stop(server);
  await inline.close();
  await worker.close();
  await boltServer.close();
  await dubboProvider.close();
}
