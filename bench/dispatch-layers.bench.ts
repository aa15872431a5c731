// Where the time of undici.request through mesh.dispatcher() goes (issue #5): the same calls to
// the same local upstream through a ladder of layers, each adding one to the one before — a
// pass-through Dispatcher, the mesh's dispatcher over the HTTP transport, the attempt loop, the
// request pipeline, the whole inline mesh — as client CPU per call and throughput at 64
// concurrent, against direct undici.request in the same run.
import { performance } from 'node:perf_hooks';
import { Agent, Dispatcher, Pool, request } from 'undici';
import { createMesh } from '../src/api/mesh.ts';
import { type MeshCall, MeshDispatcher } from '../src/api/mesh-dispatcher.ts';
import { runAttempts } from '../src/core/call/attempt-loop.ts';
import { providerTimeouts, retryPolicyOf } from '../src/core/call/call-plan.ts';
import { handleRequest } from '../src/core/call/request-pipeline.ts';
import { SnapshotState } from '../src/core/call/snapshot-state.ts';
import type { UpstreamResponse } from '../src/core/call/transport.ts';
import { systemClock } from '../src/core/clock.ts';
import { resolveTimeouts } from '../src/core/policy/timeout-resolve.ts';
import { route } from '../src/core/router/router.ts';
import { HttpTransport } from '../src/protocols/http/http-transport.ts';
import { percentile } from './harness.ts';
import { CONNECTIONS, startUpstream, staticBootstrap } from './runtime-fixture.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const SLICE = 3000;
const CONCURRENCY = 64;

const upstream = await startUpstream();
const mesh = await createMesh({ mode: 'inline', bootstrap: staticBootstrap(upstream.port) });
const snapshot = mesh.snapshot();
const assignment = snapshot.endpoints.get('upstream')!;
const endpoint = assignment.localities[0]!.endpoints[0]!;

// The layers below the mesh, built as the inline host builds them, with their own pools.
const transport = new HttpTransport();
transport.setCluster(snapshot.clusters.get('upstream')!, assignment);
const state = new SnapshotState(snapshot, systemClock, Math.random);
const cluster = state.cluster('upstream')!;
const decision = route(state.routes('upstream:80')!.table, { authority: 'upstream', path: '/', method: 'GET', headers: new Map(), random: Math.random });
if (decision.kind !== 'forward') throw new Error('the bench route does not forward');
const retry = retryPolicyOf(decision.action, decision.virtualHost);
const timeouts = resolveTimeouts({ provider: providerTimeouts(decision.action, retry) });

const direct = new Agent({ connections: CONNECTIONS });
const pool = new Pool(`http://127.0.0.1:${upstream.port}`, { connections: CONNECTIONS, pipelining: 1 });
/** The least a Dispatcher can do: hand undici's handler to the upstream's pool. */
class PassThrough extends Dispatcher {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return pool.dispatch({ ...options, origin: undefined, headers: { host: 'upstream' } }, handler);
  }
}

const transportOnly: MeshCall = (meshRequest, body) =>
  new Promise((resolve, reject) => {
    transport.withBody(body).send(
      { cluster: 'upstream', endpoint, method: meshRequest.method, path: meshRequest.path, authority: meshRequest.authority, headers: meshRequest.headers, attempt: 1 },
      {
        onResponse: (response: UpstreamResponse) => resolve({ kind: 'upstream', cluster: 'upstream', call: { response, endpoint, attempts: 1, winner: 'initial', elapsedMs: 0 } }),
        onFailure: (_kind, detail) => reject(new Error(detail)),
      },
    );
  });
const withLoop: MeshCall = async (meshRequest, body) => {
  const call = await runAttempts(
    { method: meshRequest.method, path: meshRequest.path, authority: meshRequest.authority, headers: meshRequest.headers, retry, hedge: undefined, backups: undefined, timeouts, bodyReplayable: meshRequest.bodyReplayable, requestRetriable: true, signal: meshRequest.signal },
    { clock: systemClock, random: Math.random, wallNow: Date.now, transport: transport.withBody(body), cluster },
  );
  return { kind: 'upstream', cluster: 'upstream', call };
};
const withPipeline: MeshCall = (meshRequest, body) => handleRequest(meshRequest, { clock: systemClock, random: Math.random, wallNow: Date.now, transport: transport.withBody(body), state });

const layers: [string, Dispatcher, string][] = [
  ['direct undici.request (Agent)', direct, `http://127.0.0.1:${upstream.port}/`],
  ['pass-through Dispatcher → Pool', new PassThrough(), 'http://upstream/'],
  ['MeshDispatcher + HTTP transport', new MeshDispatcher({ bootstrap: mesh.bootstrap, call: transportOnly }), 'http://upstream/'],
  ['+ attempt loop', new MeshDispatcher({ bootstrap: mesh.bootstrap, call: withLoop }), 'http://upstream/'],
  ['+ request pipeline (route, limits, plan)', new MeshDispatcher({ bootstrap: mesh.bootstrap, call: withPipeline }), 'http://upstream/'],
  ['mesh.dispatcher() (inline: + host, mesh)', mesh.dispatcher(), 'http://upstream/'],
];

async function slice(dispatcher: Dispatcher, url: string): Promise<{ ms: number; cpuUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < SLICE) await (await request(url, { dispatcher })).body.text();
    }),
  );
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - t0, cpuUs: used.user + used.system };
}

for (const [, dispatcher, url] of layers) await slice(dispatcher, url);
const samples = new Map<string, { rps: number[]; cpu: number[] }>(layers.map(([name]) => [name, { rps: [], cpu: [] }]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, dispatcher, url] of layers) {
    const { ms, cpuUs } = await slice(dispatcher, url);
    samples.get(name)!.rps.push((SLICE * 1000) / ms);
    samples.get(name)!.cpu.push(cpuUs / SLICE);
  }
}

const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 0.5);
const base = samples.get(layers[0]![0])!;
console.log(`\n## undici.request through the dispatcher, layer by layer  (node ${process.version}, ${ROUNDS} rounds of ${SLICE} calls at ${CONCURRENCY} concurrent, medians)`);
console.table(
  layers.map(([name]) => {
    const { rps, cpu } = samples.get(name)!;
    return {
      layer: name,
      'client CPU µs/call': median(cpu).toFixed(1),
      'min µs/call': Math.min(...cpu).toFixed(1),
      'vs direct': `${(median(cpu) / median(base.cpu)).toFixed(2)}×`,
      'req/s': Math.round(median(rps)).toLocaleString('en-US'),
      'throughput vs direct': `${(median(rps) / median(base.rps)).toFixed(2)}×`,
    };
  }),
);
console.log('Client CPU counts every thread of this process (GC included); the upstream runs in its own process.');

await mesh.close();
await transport.close();
state.close();
await pool.close();
await direct.close();
await upstream.stop();
