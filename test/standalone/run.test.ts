// `sidelet run` as a real process in front of real node:http upstreams: routing by Host on TCP
// and on a unix socket, a retried 503, streamed bodies, a mesh failure's answer, a bad config,
// a client that goes away, SIGTERM draining, and the --demo.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { type IncomingMessage, request, type RequestOptions, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type TestContext, test } from 'node:test';
import { apiListener, localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';
import { httpUpstream } from './listener-fixtures.ts';

const cli = new URL('../../src/standalone/cli.ts', import.meta.url).pathname;

/** The CLI as a child process, its stdout read line by line; killed when the test ends. */
class Sidecar {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly #waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(t: TestContext, args: readonly string[]) {
    this.child = spawn(process.execPath, [cli, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = once(this.child, 'exit').then(([code]) => code as number | null);
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const waiter of [...this.#waiters]) {
        const match = waiter.pattern.exec(line);
        if (match === null) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    });
    t.after(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    });
  }

  /** The first stdout line (already printed or still to come) matching `pattern`; rejects if the process exits first. */
  line(pattern: RegExp): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const match = pattern.exec(line);
      if (match !== null) return Promise.resolve(match);
    }
    const seen = new Promise<RegExpExecArray>((resolve) => this.#waiters.push({ pattern, resolve }));
    const died = this.exited.then((code) => Promise.reject(new Error(`the CLI exited (${code}) before printing ${pattern}: ${this.stderr}`)));
    return Promise.race([seen, died]);
  }

  async tcpPort(): Promise<number> {
    return Number((await this.line(/^sidelet listening tcp 127\.0\.0\.1:(\d+)$/))[1]);
  }
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

function send(options: RequestOptions, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ agent: false, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function configFile(bootstrap: object): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'sidelet-run-')), 'mesh.json');
  await writeFile(file, JSON.stringify(bootstrap));
  return file;
}

test('run routes by Host on TCP and on a unix socket, retries a 503 and answers mesh failures', async (t) => {
  const reviews = await httpUpstream(t, (_req, res) => res.end('reviews'));
  const ratings = await httpUpstream(t, (_req, res) => res.end('ratings'));
  let flakyCalls = 0;
  const flaky = await httpUpstream(t, (_req, res) => {
    flakyCalls += 1;
    res.writeHead(flakyCalls === 1 ? 503 : 200).end(`flaky ${flakyCalls}`);
  });
  const echo = await httpUpstream(t, (req, res) => {
    res.writeHead(200, { 'x-seen-method': req.method, 'x-seen-te': String(req.headers['transfer-encoding']) });
    req.pipe(res);
  });
  const file = await configFile({
    static_resources: {
      listeners: [
        apiListener('reviews:80', ['reviews'], [{ match: { prefix: '/' }, route: { cluster: 'reviews' } }]),
        apiListener('ratings:9080', ['ratings:9080'], [{ match: { prefix: '/' }, route: { cluster: 'ratings' } }]),
        apiListener('flaky:80', ['flaky'], [{ match: { prefix: '/' }, route: { cluster: 'flaky', retry_policy: { retry_on: '5xx', num_retries: 2 } } }]),
        apiListener('echo:80', ['echo'], [{ match: { prefix: '/' }, route: { cluster: 'echo' } }]),
      ],
      clusters: [localCluster('reviews', [reviews]), localCluster('ratings', [ratings]), localCluster('flaky', [flaky]), localCluster('echo', [echo])],
    },
  });
  const socketPath = join(await mkdtemp(join(tmpdir(), 'sidelet-uds-')), 'sidelet.sock');
  const sidecar = new Sidecar(t, ['-c', file, '--listen', '127.0.0.1:0', '--uds', socketPath]);
  const port = await sidecar.tcpPort();
  await sidecar.line(new RegExp(`^sidelet listening unix ${socketPath}$`));
  await sidecar.line(new RegExp(`^  try: curl -H 'Host: reviews' http://127\\.0\\.0\\.1:${port}/$`));

  const viaTcp = (host: string, options: RequestOptions = {}, body?: string | Buffer) => send({ port, host: '127.0.0.1', headers: { host }, ...options }, body);
  assert.deepEqual([(await viaTcp('reviews')).body, (await viaTcp('ratings:9080')).body], ['reviews', 'ratings']);
  const viaSocket = await send({ socketPath, headers: { host: 'ratings:9080' }, path: '/x?y=1' });
  assert.equal(viaSocket.body, 'ratings');

  const retried = await viaTcp('flaky');
  assert.equal(retried.status, 200);
  assert.equal(retried.body, 'flaky 2');
  assert.equal(flakyCalls, 2);

  const small = await viaTcp('echo', { method: 'POST' }, 'a short body');
  // A short body with a length is buffered (replayable); a long chunked one is streamed.
  assert.deepEqual([small.status, small.body, small.headers['x-seen-method'], small.headers['x-seen-te']], [200, 'a short body', 'POST', 'undefined']);
  const big = Buffer.alloc(200 * 1024, 'x');
  const streamed = await new Promise<Answer>((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'PUT', headers: { host: 'echo' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.write(big.subarray(0, 100 * 1024));
    req.end(big.subarray(100 * 1024));
  });
  assert.equal(streamed.status, 200);
  assert.equal(streamed.body.length, big.length);
  assert.deepEqual([streamed.headers['x-seen-method'], streamed.headers['x-seen-te']], ['PUT', 'chunked']);

  const noRoute = await viaTcp('nowhere');
  assert.equal(noRoute.status, 404);
  assert.equal(noRoute.headers['x-sidelet-response-flags'], 'NR');
  assert.match(noRoute.body, /^SIDELET_NO_ROUTE: no listener "nowhere:80"/);

  const noHost = await new Promise<Answer>((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', agent: false, setHost: false, headers: {} }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(noHost.status, 400);
});

test('run exits 1 with the precise error on a bad config or a bad address', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-run-'));
  const file = join(dir, 'bad.yaml');
  await writeFile(file, 'static_resources:\n  clusters:\n    - name: a\n      type: EDS\n      lb_policy: ROUND_ROBBIN\n');
  const bad = new Sidecar(t, ['-c', file, '--listen', '127.0.0.1:0']);
  assert.equal(await bad.exited, 1);
  assert.equal(bad.stderr, `${file}:5:7: static_resources.clusters[0].lb_policy: unknown value "ROUND_ROBBIN"; expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV\n`);

  const good = await configFile({ static_resources: {} });
  const badAddress = new Sidecar(t, ['-c', good, '--listen', 'localhost:99999']);
  assert.equal(await badAddress.exited, 1);
  assert.match(badAddress.stderr, /^--listen localhost:99999: expected host:port/);

  const missing = new Sidecar(t, []);
  assert.equal(await missing.exited, 1);
  assert.equal(missing.stderr, 'run needs a bootstrap: -c mesh.yaml (or --demo)\n');
});

test('a client that goes away aborts its call; SIGTERM drains the call in flight, refuses new ones and exits 0', async (t) => {
  const arrived: ((res: ServerResponse) => void)[] = [];
  const upstreamClosed: (() => void)[] = [];
  const slow = await httpUpstream(t, (_req, res) => {
    res.once('close', () => upstreamClosed.shift()?.());
    arrived.shift()?.(res);
  });
  const file = await configFile({
    static_resources: { listeners: [apiListener('slow:80', ['slow'], [{ match: { prefix: '/' }, route: { cluster: 'slow' } }])], clusters: [localCluster('slow', [slow])] },
  });
  const sidecar = new Sidecar(t, ['-c', file, '--listen', '127.0.0.1:0', '--drain-timeout', '60000']);
  const port = await sidecar.tcpPort();
  const next = () => new Promise<ServerResponse>((resolve) => arrived.push(resolve));

  const gone = next();
  const abandoned = request({ port, host: '127.0.0.1', headers: { host: 'slow' }, agent: false });
  abandoned.on('error', () => {});
  abandoned.end();
  const abandonedUpstream = await gone;
  const cancelled = new Promise<void>((resolve) => upstreamClosed.push(resolve));
  abandoned.destroy();
  await cancelled;
  assert.equal(abandonedUpstream.writableFinished, false);

  const inFlight = next();
  const answer = send({ port, host: '127.0.0.1', headers: { host: 'slow' } });
  const held = await inFlight;
  sidecar.child.kill('SIGTERM');
  await sidecar.line(/^sidelet draining \(SIGTERM\)$/);
  // Refused, or reset when it reached the accept queue in the instant before the listening socket closed.
  await assert.rejects(send({ port, host: '127.0.0.1', headers: { host: 'slow' } }), (error: NodeJS.ErrnoException) => ['ECONNREFUSED', 'ECONNRESET'].includes(error.code ?? ''));
  held.end('finished while draining');
  const { status, body } = await answer;
  assert.deepEqual([status, body], [200, 'finished while draining']);
  assert.equal(await sidecar.exited, 0);
  assert.equal(sidecar.lines.at(-1), 'sidelet stopped');
});

test('--demo serves `demo` from three local upstreams, hiding failures behind retries and slowness behind backups', async (t) => {
  const sidecar = new Sidecar(t, ['--demo', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
  const port = await sidecar.tcpPort();
  await sidecar.line(/^demo config: /);
  // The demo's bootstrap names an admin server (the flag moved it to a free port here).
  await sidecar.line(/^sidelet admin http:\/\/127\.0\.0\.1:\d+\/ \(ready, stats, config_dump, clusters\)$/);
  for (let i = 0; i < 30; i++) {
    const { status, body } = await send({ port, host: '127.0.0.1', headers: { host: 'demo' } });
    assert.equal(status, 200, body);
    assert.match(body, /^hello from (alpha|bravo|charlie)/);
  }
  sidecar.child.kill('SIGINT');
  assert.equal(await sidecar.exited, 0);
});

test('a call still running at the drain deadline is answered 503 LR and the process exits 0', async (t) => {
  let arrived: () => void = () => {};
  const held = new Promise<void>((resolve) => (arrived = resolve));
  const stuck = await httpUpstream(t, () => arrived());
  const file = await configFile({
    static_resources: { listeners: [apiListener('stuck:80', ['stuck'], [{ match: { prefix: '/' }, route: { cluster: 'stuck' } }])], clusters: [localCluster('stuck', [stuck])] },
  });
  const sidecar = new Sidecar(t, ['-c', file, '--listen', '127.0.0.1:0', '--drain-timeout', '100']);
  const answer = send({ port: await sidecar.tcpPort(), host: '127.0.0.1', headers: { host: 'stuck' } });
  await held;
  sidecar.child.kill('SIGTERM');
  const { status, headers, body } = await answer;
  assert.deepEqual([status, headers['x-sidelet-response-flags']], [503, 'LR']);
  assert.match(body, /^SIDELET_OVERLOADED: the sidecar is shutting down; the call did not finish within 100 ms/);
  assert.equal(await sidecar.exited, 0);
});

test('run --admin serves /ready, /stats with real figures, /clusters and /config_dump', async (t) => {
  let calls = 0;
  const port = await httpUpstream(t, (_req, res) => {
    calls += 1;
    res.writeHead(calls === 1 ? 503 : 200).end('ok');
  });
  const config = await configFile(
    meshBootstrap('svc:80', ['svc'], [{ match: { prefix: '/' }, route: { cluster: 'svc', retry_policy: { retry_on: '5xx', num_retries: 1 } } }], [localCluster('svc', [port])]),
  );
  const sidecar = new Sidecar(t, ['-c', config, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
  const admin = `http://127.0.0.1:${(await sidecar.line(/^sidelet admin http:\/\/127\.0\.0\.1:(\d+)\//))[1]}`;
  const tcp = await sidecar.tcpPort();
  assert.equal((await fetch(`${admin}/ready`)).status, 200);
  for (let i = 0; i < 3; i++) assert.equal((await send({ host: '127.0.0.1', port: tcp, path: '/', headers: { host: 'svc' } })).status, 200);
  const stats = await (await fetch(`${admin}/stats?format=prometheus`)).text();
  assert.match(stats, /^upstream_rq_total\{cluster_name="svc"\} 4$/m, 'three calls, one retried: four attempts');
  assert.match(stats, /^upstream_rq_retry\{cluster_name="svc"\} 1$/m);
  assert.match(await (await fetch(`${admin}/clusters`)).text(), new RegExp(`svc::127\\.0\\.0\\.1:${port}::`));
  const dump = (await (await fetch(`${admin}/config_dump`)).json()) as { resources: { clusters: string[] } };
  assert.deepEqual(dump.resources.clusters, ['svc']);
});
