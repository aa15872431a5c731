// Hot restart under load: `sidelet run` as a real process in front of a node:http upstream, with
// keep-alive clients (undici Agents) sending all along on TCP and on the unix socket while SIGUSR2
// replaces the process three times. No request may fail and no connection be refused; each
// generation (its config adds `x-generation`, echoed by the upstream) must answer on both sockets.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent, request } from 'undici';
import { apiListener, localCluster } from '../helpers/bootstrap-builders.ts';
import { replaceFile, SidecarProcess, tempDir } from './sidecar-process.ts';

const RESTARTS = 3;
const TCP_CLIENTS = 8;
const UDS_CLIENTS = 2;
/** A bound on the whole test's traffic: reaching it before the restarts are done fails the test. */
const MAX_REQUESTS = 40_000;

type Transport = 'tcp' | 'unix';

/** The generation's config: the same route, adding `x-generation: N` so answers tell who served them. */
function bootstrap(generation: number, upstreamPort: number): string {
  const route = { match: { prefix: '/' }, route: { cluster: 'svc' }, request_headers_to_add: [{ header: { key: 'x-generation', value: String(generation) } }] };
  return JSON.stringify({
    static_resources: {
      listeners: [apiListener('svc:80', ['svc'], [route])],
      clusters: [localCluster('svc', [upstreamPort])],
    },
  });
}

/** Clients that send one request after another until stopped, counting answers by transport and generation. */
class Load {
  readonly failures: string[] = [];
  readonly served = new Map<string, number>();
  total = 0;
  #stopped = false;
  readonly #waiters: { key: string; resolve: () => void; reject: (error: Error) => void }[] = [];

  start(clients: number, transport: Transport, send: () => Promise<{ statusCode: number; body: { text(): Promise<string> } }>): Promise<void>[] {
    return Array.from({ length: clients }, async () => {
      while (!this.#stopped) {
        try {
          const response = await send();
          const body = await response.body.text();
          if (response.statusCode === 200) this.#record(`${transport} ${body}`);
          else this.failures.push(`${transport}: ${response.statusCode} ${body}`);
        } catch (error) {
          this.failures.push(`${transport}: ${(error as NodeJS.ErrnoException).code ?? ''} ${(error as Error).message}`);
        }
        if (++this.total >= MAX_REQUESTS) this.stop();
      }
    });
  }

  /** Resolves once `generation` has answered a request on `transport`. */
  seen(transport: Transport, generation: number): Promise<void> {
    const key = `${transport} ${generation}`;
    if (this.served.has(key)) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new Error(`the load stopped before ${key} answered`));
    return new Promise((resolve, reject) => this.#waiters.push({ key, resolve, reject }));
  }

  stop(): void {
    this.#stopped = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error(`the load stopped (${this.total} requests) before ${waiter.key} answered`));
  }

  #record(key: string): void {
    this.served.set(key, (this.served.get(key) ?? 0) + 1);
    for (const waiter of [...this.#waiters]) {
      if (waiter.key !== key) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

test('SIGUSR2 three times under keep-alive load on TCP and a unix socket: no failed request, every generation serves', async (t) => {
  // A few milliseconds per answer, so that calls are in flight whenever a handover starts.
  const upstream = createServer((req, res) => setTimeout(() => res.end(String(req.headers['x-generation'])), 5));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const dir = await tempDir(t, 'sidelet-hot-restart-');
  const config = join(dir, 'mesh.json');
  const socketPath = join(dir, 'sidelet.sock');
  await replaceFile(config, bootstrap(0, upstreamPort));

  const pidFile = join(dir, 'sidelet.pid');
  const sidecar = new SidecarProcess(t, ['-c', config, '--listen', '127.0.0.1:0', '--uds', socketPath, '--admin', '127.0.0.1:0', '--pid-file', pidFile, '--drain-timeout', '10000']);
  const port = await sidecar.tcpPort();
  const adminPort = (await sidecar.line(/^sidelet admin http:\/\/127\.0\.0\.1:(\d+)\//))[1];
  let current = Number((await sidecar.line(/^sidelet ready epoch 0 pid (\d+)$/))[1]);
  assert.equal(readFileSync(pidFile, 'utf8'), `${current}\n`);

  const tcpAgent = new Agent();
  const udsAgent = new Agent({ connect: { socketPath } });
  t.after(() => Promise.all([tcpAgent.destroy(), udsAgent.destroy()]));
  const load = new Load();
  t.after(() => load.stop());
  const started = Date.now();
  const clients = [
    ...load.start(TCP_CLIENTS, 'tcp', () => request(`http://127.0.0.1:${port}/`, { dispatcher: tcpAgent, headers: { host: 'svc' } })),
    ...load.start(UDS_CLIENTS, 'unix', () => request('http://svc/', { dispatcher: udsAgent })),
  ];

  for (let epoch = 1; epoch <= RESTARTS; epoch++) {
    await Promise.all([load.seen('tcp', epoch - 1), load.seen('unix', epoch - 1)]);
    await replaceFile(config, bootstrap(epoch, upstreamPort));
    const since = sidecar.mark();
    process.kill(current, 'SIGUSR2');
    const next = Number((await sidecar.line(new RegExp(`^sidelet ready epoch ${epoch} pid (\\d+)$`), { since }))[1]);
    assert.equal(readFileSync(pidFile, 'utf8'), `${next}\n`, 'the pid file names the new generation once it is ready');
    await sidecar.line(new RegExp(`^sidelet epoch ${epoch - 1} \\(pid ${current}\\) exited$`), { since });
    assert.ok(existsSync(socketPath), `the socket file outlives handover ${epoch}`);
    const admin = await fetch(`http://127.0.0.1:${adminPort}/ready`);
    assert.deepEqual([admin.status, await admin.text()], [200, 'LIVE\n'], 'the admin socket is handed over too');
    current = next;
  }
  await Promise.all([load.seen('tcp', RESTARTS), load.seen('unix', RESTARTS)]);
  load.stop();
  await Promise.all(clients);
  await Promise.all([tcpAgent.close(), udsAgent.close()]);

  process.kill(current, 'SIGTERM');
  await sidecar.closed;
  t.diagnostic(`${load.total} requests in ${Date.now() - started} ms; by transport and generation: ${JSON.stringify(Object.fromEntries(load.served))}`);
  assert.deepEqual(load.failures, [], 'no request failed and no connection was refused');
  for (let epoch = 0; epoch <= RESTARTS; epoch++) {
    for (const transport of ['tcp', 'unix'] as const) assert.ok((load.served.get(`${transport} ${epoch}`) ?? 0) > 0, `epoch ${epoch} answered on ${transport}`);
  }
  assert.deepEqual(
    sidecar.lines.filter((l) => l.stream === 'stderr'),
    [],
  );
  assert.equal(sidecar.lines.filter((l) => l.text === 'sidelet stopped').length, RESTARTS + 1, 'every generation drained and stopped');
  assert.equal(existsSync(socketPath), false, 'the last generation removes the socket file');
  assert.equal(existsSync(pidFile), false, 'and the pid file');
  const adminLines = sidecar.lines.filter((l) => l.text.startsWith('sidelet admin '));
  assert.deepEqual(new Set(adminLines.map((l) => l.text)).size, 1, `every generation serves the admin pages on port ${adminPort}`);
});

test('a successor with a bad config exits with its error while the running generation keeps serving; a later SIGUSR2 succeeds', async (t) => {
  const upstream = createServer((req, res) => res.end(String(req.headers['x-generation'])));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const config = join(await tempDir(t, 'sidelet-hot-restart-'), 'mesh.json');
  await replaceFile(config, bootstrap(0, upstreamPort));
  const sidecar = new SidecarProcess(t, ['-c', config, '--listen', '127.0.0.1:0']);
  const port = await sidecar.tcpPort();
  const pid = Number((await sidecar.line(/^sidelet ready epoch 0 pid (\d+)$/))[1]);
  const ask = async (): Promise<string> => {
    const response = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'svc' }, reset: true });
    assert.equal(response.statusCode, 200);
    return response.body.text();
  };
  assert.equal(await ask(), '0');

  await replaceFile(config, bootstrap(1, upstreamPort).replace('"name":"svc","load_assignment"', '"name":"svc","lb_policy":"ROUND_ROBBIN","load_assignment"'));
  let since = sidecar.mark();
  process.kill(pid, 'SIGUSR2');
  await sidecar.line(/^sidelet: hot restart failed, epoch 0 keeps serving: epoch 1 \(pid \d+\) exited \(code 1\) before it was ready$/, { since });
  const reason = sidecar.lines.slice(since).find((l) => l.stream === 'stderr' && l.text.startsWith(config));
  assert.match(reason?.text ?? '', /mesh\.json:1:\d+: static_resources\.clusters\[0\]\.lb_policy: unknown value "ROUND_ROBBIN"/, 'the successor printed why');
  assert.equal(await ask(), '0', 'the running generation still serves');

  await replaceFile(config, bootstrap(1, upstreamPort));
  since = sidecar.mark();
  process.kill(pid, 'SIGUSR2');
  const next = Number((await sidecar.line(/^sidelet ready epoch 1 pid (\d+)$/, { since }))[1]);
  await sidecar.line(new RegExp(`^sidelet epoch 0 \\(pid ${pid}\\) exited$`), { since });
  assert.equal(await ask(), '1');
  process.kill(next, 'SIGTERM');
  await sidecar.closed;
});
