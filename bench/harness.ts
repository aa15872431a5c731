// Benchmark harness: times a function in batches and prints each subject as a ratio to a
// baseline measured in the same run. Figures are reported, never asserted.
import { performance } from 'node:perf_hooks';

export interface Sample {
  readonly name: string;
  readonly opsPerSec: number;
  /** Per-operation time over batches: median and 99th percentile of the batch means. */
  readonly p50Ns: number;
  readonly p99Ns: number;
}

export interface TimeOptions {
  /** Operations per timed batch; the per-op figure is the batch time divided by this. */
  readonly batch?: number;
  /** Timed batches (after a warm-up of a tenth as many). */
  readonly batches?: number;
}

/** Runs `fn(i)` `batch × batches` times and returns its per-operation timing. */
export function timeOps(name: string, fn: (i: number) => unknown, options: TimeOptions = {}): Sample {
  const batch = options.batch ?? 1000;
  const batches = options.batches ?? 500;
  let sink: unknown;
  let i = 0;
  for (let w = 0; w < Math.max(1, batches / 10) * batch; w++) sink = fn(i++);
  const perOp: number[] = [];
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) sink = fn(i++);
    perOp.push(((performance.now() - t0) * 1e6) / batch);
  }
  const elapsedMs = performance.now() - started;
  keep(sink);
  perOp.sort((a, b) => a - b);
  return {
    name,
    opsPerSec: (batch * batches * 1000) / elapsedMs,
    p50Ns: percentile(perOp, 0.5),
    p99Ns: percentile(perOp, 0.99),
  };
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

/** Prints a table: each subject's figures and its time relative to the baseline. */
export function report(title: string, baseline: Sample, subjects: readonly Sample[], notes: readonly string[] = []): void {
  const rows = [baseline, ...subjects].map((s) => ({
    name: s.name,
    'ops/s': Math.round(s.opsPerSec).toLocaleString('en-US'),
    'p50 ns': s.p50Ns.toFixed(1),
    'p99 ns': s.p99Ns.toFixed(1),
    'time vs baseline': `${(s.p50Ns / baseline.p50Ns).toFixed(2)}x`,
  }));
  console.log(`\n## ${title}  (node ${process.version})`);
  console.table(rows);
  for (const note of notes) console.log(note);
}

let blackhole: unknown;
/** Keeps a value observable so the optimiser cannot drop the work that produced it. */
export function keep(value: unknown): void {
  blackhole = value;
  if (blackhole === keep) console.log('');
}
