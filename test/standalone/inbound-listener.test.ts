// An inbound listener (Envoy's `address` + HttpConnectionManager filter chain) in front of a real
// node:http "local app": every request routed by the listener's table whatever its Host, over
// HTTP/1.1 and h2c on one port; callers over the local rate limit get a 429 with flag RL; and
// queued callers are admitted highest priority first.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { connect } from 'node:net';
import { type TestContext, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { boundListeners, createInboundServer } from '../../src/standalone/inbound-listener.ts';
import { listenOptionsOf } from '../../src/standalone/listener-server.ts';
import { HCM_TYPE, localCluster } from '../helpers/bootstrap-builders.ts';
import { httpUpstream, listen, MODES, meshOf } from './listener-fixtures.ts';

const ONE_CALL_PER_HOUR = {
  '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  stat_prefix: 'inbound_limited',
  token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '3600s' },
  filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  filter_enforced: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
};

/** One token a second; callers queue up to 10 s, served highest x-sidelet-priority first. */
const PRIORITY_QUEUE = {
  '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
  type_url: 'type.googleapis.com/sidelet.filters.http.rate_limit.v1.RateLimit',
  value: {
    token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '1s' },
    priority_header: 'x-sidelet-priority',
    max_queueing_time: '10s',
  },
};

function inboundListener(codec: string): object {
  return {
    name: 'inbound|8080',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    traffic_direction: 'INBOUND',
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM_TYPE,
              stat_prefix: 'inbound_8080',
              codec_type: codec,
              route_config: {
                name: 'inbound|8080',
                virtual_hosts: [
                  {
                    name: 'local-app',
                    domains: ['*'],
                    routes: [
                      { match: { prefix: '/limited' }, route: { cluster: 'local-app' }, typed_per_filter_config: { 'envoy.filters.http.local_ratelimit': ONE_CALL_PER_HOUR } },
                      { match: { prefix: '/queued' }, route: { cluster: 'local-app' }, typed_per_filter_config: { 'sidelet.filters.http.rate_limit': PRIORITY_QUEUE } },
                      { match: { prefix: '/' }, route: { cluster: 'local-app' } },
                    ],
                  },
                ],
              },
              http_filters: [{ name: 'envoy.filters.http.local_ratelimit' }, { name: 'envoy.filters.http.router' }],
            },
          },
        ],
      },
    ],
  };
}

interface Seen {
  readonly path: string;
  readonly host: string | undefined;
}

/** The local app (recording what reaches it), the mesh, and the inbound listener bound where its config says. */
async function setup(t: TestContext, mode: (typeof MODES)[number], codec = 'AUTO'): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const app = await httpUpstream(t, (req, res) => {
    seen.push({ path: req.url ?? '', host: req.headers.host });
    res.end(`app: ${req.url}`);
  });
  const mesh = await meshOf(t, { static_resources: { listeners: [inboundListener(codec)], clusters: [localCluster('local-app', [app])] } }, mode);
  const [listener] = boundListeners(mesh.snapshot());
  assert.ok(listener?.socket !== undefined);
  const port = await listen(t, createInboundServer(mesh.dispatcher(), listener), listenOptionsOf(listener.socket.address));
  return { port, seen };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An HTTP/1.0 request with no Host at all, on a raw socket the server closes after its answer. */
async function getWithoutHost(port: number, path: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString();
}

for (const mode of MODES) {
  test(`${mode}: the inbound listener routes every request by its own table, whatever the Host, over HTTP/1.1 and h2c`, async (t) => {
    const { port, seen } = await setup(t, mode);
    const answer = await get(port, '/orders/1', { host: 'orders.prod.svc.cluster.local:8080' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'app: /orders/1');
    assert.deepEqual(seen.at(-1), { path: '/orders/1', host: 'orders.prod.svc.cluster.local:8080' });

    assert.match(await getWithoutHost(port, '/no-host'), /^HTTP\/1\.1 200 OK[\s\S]*app: \/no-host$/);
    assert.deepEqual(seen.at(-1), { path: '/no-host', host: `127.0.0.1:${port}` }, 'without a Host the listener address is the authority');

    const session = h2connect(`http://127.0.0.1:${port}`);
    t.after(() => session.close());
    const stream = session.request({ ':path': '/over-h2', ':authority': 'anything' });
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    stream.setEncoding('utf8');
    let body = '';
    for await (const chunk of stream) body += chunk as string;
    assert.equal(headers[':status'], 200);
    assert.equal(body, 'app: /over-h2');
    assert.deepEqual(seen.at(-1), { path: '/over-h2', host: 'anything' });
  });

  test(`${mode}: a caller over the local rate limit gets a 429 with Envoy's RL flag and never reaches the app`, async (t) => {
    const { port, seen } = await setup(t, mode);
    assert.equal((await get(port, '/limited/a')).status, 200);
    const refused = await get(port, '/limited/b');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['x-sidelet-response-flags'], 'RL');
    assert.match(refused.body, /^SIDELET_RATE_LIMITED: /);
    assert.deepEqual(seen.map((s) => s.path), ['/limited/a']);
  });

  test(`${mode}: queued callers are admitted to the app highest priority first`, async (t) => {
    const { port, seen } = await setup(t, mode, 'HTTP1');
    // Takes the only token; the next comes a second later, by when both below wait in the queue.
    // The low one is sent first (and given a head start), so a first-come order would admit it first.
    assert.equal((await get(port, '/queued/first')).status, 200);
    const low = get(port, '/queued/low', { 'x-sidelet-priority': '0' });
    await delay(100);
    const high = get(port, '/queued/high', { 'x-sidelet-priority': '10' });
    assert.deepEqual((await Promise.all([low, high])).map((a) => a.status), [200, 200]);
    assert.deepEqual(seen.map((s) => s.path), ['/queued/first', '/queued/high', '/queued/low']);
  });
}
