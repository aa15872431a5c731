// End-to-end cost of the mesh in inline mode against the same local upstream (a node:http
// server in a child process): direct undici (fetch and request) vs mesh.fetch and undici.request
// through mesh.dispatcher() — throughput at
// 64 concurrent calls and added p50/p99 latency of sequential calls, as ratios.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Agent, fetch as undiciFetch, request } from 'undici';
import { createMesh } from '../src/api/mesh.ts';
import { percentile } from './harness.ts';

const SEQUENTIAL = 3000;
const CONCURRENT_TOTAL = 20000;
const CONCURRENCY = 64;

const server = spawn(
  process.execPath,
  ['-e', "const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>r.end('hello'))});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port))"],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const [line] = (await once(server.stdout!, 'data')) as [Buffer];
const port = Number(line.toString().trim());

const agent = new Agent({ connections: CONCURRENCY });
const mesh = await createMesh({
  mode: 'inline',
  bootstrap: {
    static_resources: {
      listeners: [
        {
          name: 'upstream:80',
          api_listener: {
            api_listener: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'upstream', retry_policy: { retry_on: '5xx', num_retries: 1 } } }] }] },
            },
          },
        },
      ],
      clusters: [
        {
          name: 'upstream',
          circuit_breakers: { thresholds: [{ max_connections: CONCURRENCY }] },
          load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
        },
      ],
    },
  },
});

const dispatcher = mesh.dispatcher();

type Call = () => Promise<unknown>;
const subjects: [string, Call][] = [
  ['direct undici.request', async () => (await request(`http://127.0.0.1:${port}/`, { dispatcher: agent })).body.text()],
  ['direct undici.fetch', async () => (await undiciFetch(`http://127.0.0.1:${port}/`, { dispatcher: agent })).text()],
  ['mesh.fetch (inline)', async () => (await mesh.fetch('http://upstream/')).text()],
  ['undici.request via mesh.dispatcher() (inline)', async () => (await request('http://upstream/', { dispatcher })).body.text()],
];

async function sequential(call: Call): Promise<number[]> {
  for (let i = 0; i < 200; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    await call();
    times.push((performance.now() - t0) * 1000);
  }
  return times.sort((a, b) => a - b);
}

async function throughput(call: Call): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CONCURRENT_TOTAL) await call();
    }),
  );
  return (CONCURRENT_TOTAL * 1000) / (performance.now() - t0);
}

const rows = [];
for (const [name, call] of subjects) {
  const times = await sequential(call);
  const rps = await throughput(call);
  rows.push({ name, p50: percentile(times, 0.5), p99: percentile(times, 0.99), rps });
}
const base = rows.find((r) => r.name === 'direct undici.fetch')!;
const requestBase = rows.find((r) => r.name === 'direct undici.request')!;
console.log(`\n## mesh.fetch end to end, one local upstream  (node ${process.version})`);
console.table(
  rows.map((r) => ({
    name: r.name,
    'p50 µs': r.p50.toFixed(0),
    'p99 µs': r.p99.toFixed(0),
    'added p50 µs vs fetch': (r.p50 - base.p50).toFixed(0),
    [`req/s @${CONCURRENCY}`]: Math.round(r.rps).toLocaleString('en-US'),
    'throughput vs fetch': `${(r.rps / base.rps).toFixed(2)}x`,
    'throughput vs request': `${(r.rps / requestBase.rps).toFixed(2)}x`,
    'added p50 µs vs request': (r.p50 - requestBase.p50).toFixed(0),
  })),
);
console.log(`${SEQUENTIAL} sequential calls per subject after 200 warm-up; ${CONCURRENT_TOTAL} calls at ${CONCURRENCY} concurrent. Targets (inline): ≥ 0.9× direct throughput, ≤ 30 µs added p50.`);
await mesh.close();
await agent.close();
server.kill();
