// sidelet's own HTTP/1.1 client (src/protocols/http1/Http1Pool) against undici's Pool, both
// driven through dispatch() with the same minimal handler: GETs to a local node:http upstream
// in its own process, one at a time and 64 at once, as req/s and client CPU µs per request.
import { performance } from 'node:perf_hooks';
import { type Dispatcher, Pool } from 'undici';
import { Http1Pool } from '../src/protocols/http1/http1-pool.ts';
import { percentile } from './harness.ts';
import { CONNECTIONS, startUpstream } from './runtime-fixture.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const SLICE = 4000;

interface Subject {
  readonly name: string;
  dispatch(options: Dispatcher.DispatchOptions, handler: Exchange): void;
}

/** Reads the response to its end and settles; the same for both clients. */
/** Reads nothing of the head, so either pool's (objects or maps) will do. */
class Exchange implements Dispatcher.DispatchHandler {
  bytes = 0;
  readonly done: Promise<void>;
  #resolve: () => void = () => {};
  #reject: (error: Error) => void = () => {};
  constructor() {
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }
  onRequestStart(): void {}
  onResponseStart(): void {}
  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
  }
  onResponseEnd(): void {
    this.#resolve();
  }
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#reject(error);
  }
}

const upstream = await startUpstream();
const undiciPool = new Pool(`http://127.0.0.1:${upstream.port}`, { connections: CONNECTIONS, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
const ownPool = new Http1Pool({ host: '127.0.0.1', port: upstream.port, connections: CONNECTIONS, connectTimeoutMs: 5000 });
const subjects: Subject[] = [
  { name: 'undici Pool', dispatch: (o, h) => void undiciPool.dispatch(o, h) },
  { name: 'Http1Pool', dispatch: (o, h) => ownPool.dispatch(o, h) },
];
const options: Dispatcher.DispatchOptions = { method: 'GET', path: '/', headers: { host: 'upstream', 'user-agent': 'bench', accept: '*/*' }, body: null };

async function slice(subject: Subject, concurrency: number): Promise<{ ms: number; cpuUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < SLICE) {
        const exchange = new Exchange();
        subject.dispatch(options, exchange);
        await exchange.done;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - t0, cpuUs: used.user + used.system };
}

const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 0.5);
for (const concurrency of [1, 64]) {
  for (const subject of subjects) await slice(subject, concurrency);
  const samples = new Map(subjects.map((s) => [s.name, { rps: [] as number[], cpu: [] as number[] }]));
  // Subjects take turns in slices, so drift in the machine's load falls on both alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const subject of subjects) {
      const { ms, cpuUs } = await slice(subject, concurrency);
      samples.get(subject.name)!.rps.push((SLICE * 1000) / ms);
      samples.get(subject.name)!.cpu.push(cpuUs / SLICE);
    }
  }
  const base = samples.get(subjects[0]!.name)!;
  console.log(`\n## HTTP/1.1 client, ${concurrency === 1 ? 'sequential GETs' : `${concurrency} concurrent GETs`}  (node ${process.version}, ${ROUNDS} rounds of ${SLICE}, medians)`);
  console.table(
    subjects.map((subject) => {
      const { rps, cpu } = samples.get(subject.name)!;
      return {
        client: subject.name,
        'client CPU µs/req': median(cpu).toFixed(1),
        'min µs/req': Math.min(...cpu).toFixed(1),
        'CPU vs undici': `${(median(cpu) / median(base.cpu)).toFixed(2)}×`,
        'req/s': Math.round(median(rps)).toLocaleString('en-US'),
        'throughput vs undici': `${(median(rps) / median(base.rps)).toFixed(2)}×`,
      };
    }),
  );
}
console.log('Client CPU counts every thread of this process (GC included); the upstream runs in its own process.');

await Promise.all([undiciPool.close(), ownPool.close()]);
await upstream.stop();
