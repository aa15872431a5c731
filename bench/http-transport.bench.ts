// Cost of the HTTP transport per request: sequential GET round trips to a local node:http
// server through HttpTransport.send, against undici's own Pool.request to the same server in
// the same run (both read the 2-byte body to its end).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { UpstreamResponse } from '../src/core/call/transport.ts';
import type { Endpoint } from '../src/core/model/endpoint.ts';
import { HttpTransport } from '../src/protocols/http/http-transport.ts';
import { cluster as testCluster } from '../test/core/lb/fixtures.ts';
import { percentile, report, type Sample } from './harness.ts';

const BATCH = 200;
const BATCHES = 50;

async function timeRequests(name: string, fn: () => Promise<void>): Promise<Sample> {
  for (let i = 0; i < BATCH * 5; i++) await fn();
  const perOp: number[] = [];
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now();
    for (let k = 0; k < BATCH; k++) await fn();
    perOp.push(((performance.now() - t0) * 1e6) / BATCH);
  }
  const elapsed = performance.now() - started;
  perOp.sort((a, b) => a - b);
  return { name, opsPerSec: (BATCH * BATCHES * 1000) / elapsed, p50Ns: percentile(perOp, 0.5), p99Ns: percentile(perOp, 0.99) };
}

const server = createServer((_req, res) => res.end('ok'));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

const host: Endpoint = { id: `127.0.0.1:${port}`, address: '127.0.0.1', port, hostname: '', weight: 1, health: 'HEALTHY', metadata: {}, locality: { region: '', zone: '', subZone: '' }, priority: 0 };
const cluster = testCluster({ name: 'bench', edsServiceName: 'bench' });

const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
const direct = () =>
  pool.request({ method: 'GET', path: '/', headers: { host: 'bench' } }).then(async ({ body }) => {
    await body.text();
  });

const transport = new HttpTransport();
transport.setCluster(cluster, { clusterName: 'bench', localities: [{ locality: host.locality, weight: 1, priority: 0, endpoints: [host] }], overprovisioningFactor: 140 });
const request = { cluster: 'bench', endpoint: host, method: 'GET', path: '/', authority: 'bench', headers: new Map<string, string>(), attempt: 1 };
const viaTransport = () =>
  new Promise<void>((resolve, reject) =>
    transport.send(request, {
      onResponse: (response: UpstreamResponse) => {
        (response.body as NodeJS.ReadableStream).on('data', () => {}).on('end', resolve).on('error', reject);
      },
      onFailure: (failure, detail) => reject(new Error(`${failure}: ${detail}`)),
    }),
  );

const baseline = await timeRequests('undici Pool.request (direct)', direct);
const subject = await timeRequests('HttpTransport.send', viaTransport);
report('HTTP/1.1 round trip to a local node:http server, one keep-alive connection', baseline, [subject], [
  'Both include the server; the ratio is what the transport adds (handler adapter, header map, Readable body).',
]);

await Promise.all([pool.close(), transport.close()]);
server.close();
