// The bench's load: a bounded keep-alive undici Pool sending a fixed number of GETs, either
// `concurrency` at a time (throughput, and latency under that load) or one at a time (latency of
// the hop itself). Every phase has a deadline; a failed request fails the run.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from '../harness.ts';

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

export interface LoadOptions {
  readonly port: number;
  /** The Host header (the sidecars route by it). */
  readonly host: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly deadlineMs: number;
}

/** Sends `requests` GETs over `concurrency` keep-alive connections; each request's time from send to the end of its body. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(`http://127.0.0.1:${options.port}`, { connections: options.concurrency, pipelining: 1 });
  const deadline = performance.now() + options.deadlineMs;
  const times = new Float64Array(options.requests);
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.requests) {
          const i = next++;
          if (performance.now() > deadline) throw new Error(`load on port ${options.port}: deadline of ${options.deadlineMs} ms passed after ${i} requests`);
          const t0 = performance.now();
          const res = await pool.request({ path: '/', method: 'GET', headers: { host: options.host } });
          const body = await res.body.text();
          if (res.statusCode !== 200 || body !== 'hello') throw new Error(`load on port ${options.port}: got ${res.statusCode} ${body.slice(0, 200)}`);
          times[i] = (performance.now() - t0) * 1000;
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
  const elapsedMs = performance.now() - started;
  const sorted = [...times].sort((a, b) => a - b);
  return { requests: options.requests, rps: (options.requests * 1000) / elapsedMs, p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99) };
}
