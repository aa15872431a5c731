// The runtime's cost end to end (issue #5), against the same local keep-alive upstream in one run:
// undici.request through mesh.dispatcher() vs direct undici.request, and mesh.fetch vs
// undici.fetch, in each mode — throughput at 64 concurrent calls and added p50/p99 of sequential
// calls as ratios to the direct call — then createMesh (static config) to first response in fresh
// processes, from the built package (dist/, rebuilt first: what an installed sidelet runs) and
// from the TypeScript source. The subjects take turns in short slices and rounds report medians,
// so load from elsewhere on a shared machine hits all of them alike.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, fetch as undiciFetch, request } from 'undici';
import { createMesh, type Mesh } from '../src/api/mesh.ts';
import { percentile } from './harness.ts';
import { CONNECTIONS, startUpstream, staticBootstrap } from './runtime-fixture.ts';

/** The runtime modes measured; each is one createMesh. */
const MODES = [
  { name: 'inline', options: { mode: 'inline' } },
  { name: 'worker', options: { mode: 'worker' } },
] as const;

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WARMUP = 300;
const SEQUENTIAL = 2000;
const CONCURRENT_TOTAL = 20000;
const CONCURRENCY = 64;
const FRESH_PROCESSES = 5;

const TARGETS: Readonly<Record<string, { throughput: number; addedP50: number; firstResponseMs: number }>> = {
  inline: { throughput: 0.9, addedP50: 30, firstResponseMs: 50 },
  worker: { throughput: 0.75, addedP50: 60, firstResponseMs: 250 },
};

type Call = () => Promise<unknown>;

interface Subject {
  readonly name: string;
  /** The subject its figures are compared with: the direct call of the same API. */
  readonly baseline: string | undefined;
  readonly mode: string | undefined;
  readonly call: Call;
}

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
}

const upstream = await startUpstream();
const direct = new Agent({ connections: CONNECTIONS });
const url = `http://127.0.0.1:${upstream.port}/`;
const subjects: Subject[] = [
  { name: 'direct undici.request', baseline: undefined, mode: undefined, call: async () => (await request(url, { dispatcher: direct })).body.text() },
  { name: 'direct undici.fetch', baseline: undefined, mode: undefined, call: async () => (await undiciFetch(url, { dispatcher: direct })).text() },
];
const meshes: Mesh[] = [];
const notes: string[] = [];
for (const { name, options } of MODES) {
  let mesh: Mesh;
  try {
    mesh = await createMesh({ ...options, bootstrap: staticBootstrap(upstream.port) });
  } catch (error) {
    notes.push(`${name} mode skipped: createMesh rejected it (${(error as Error).message})`);
    continue;
  }
  meshes.push(mesh);
  const dispatcher: Dispatcher = mesh.dispatcher();
  subjects.push(
    { name: `undici.request via mesh.dispatcher() (${name})`, baseline: 'direct undici.request', mode: name, call: async () => (await request('http://upstream/', { dispatcher })).body.text() },
    { name: `mesh.fetch (${name})`, baseline: 'direct undici.fetch', mode: name, call: async () => (await mesh.fetch('http://upstream/')).text() },
  );
}

/** Sequential calls in slices of this many, taking turns with the other subjects. */
const SEQUENTIAL_SLICE = 100;
/** Calls at 64 concurrent in slices of this many, taking turns likewise. */
const CONCURRENT_SLICE = 5000;

async function timeSequential(call: Call, count: number, times: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call();
    times.push((performance.now() - t0) * 1000);
  }
}

/** Milliseconds for `count` calls kept `CONCURRENCY` at a time. */
async function timeConcurrent(call: Call, count: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) await call();
    }),
  );
  return performance.now() - t0;
}

/**
 * One round: the subjects take turns slice by slice, so a burst of load from elsewhere on the
 * machine lands on all of them alike rather than on whichever ran at the time.
 */
async function round(): Promise<Map<string, Figures>> {
  for (const subject of subjects) for (let i = 0; i < WARMUP; i++) await subject.call();
  const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (let done = 0; done < SEQUENTIAL; done += SEQUENTIAL_SLICE) {
    for (const subject of subjects) await timeSequential(subject.call, SEQUENTIAL_SLICE, times.get(subject.name)!);
  }
  const busy = new Map<string, number>(subjects.map((s) => [s.name, 0]));
  for (let done = 0; done < CONCURRENT_TOTAL; done += CONCURRENT_SLICE) {
    for (const subject of subjects) busy.set(subject.name, busy.get(subject.name)! + (await timeConcurrent(subject.call, CONCURRENT_SLICE)));
  }
  const figures = new Map<string, Figures>();
  for (const subject of subjects) {
    const sorted = times.get(subject.name)!.sort((a, b) => a - b);
    figures.set(subject.name, { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), rps: (CONCURRENT_TOTAL * 1000) / busy.get(subject.name)! });
  }
  return figures;
}

const rounds = new Map<string, Figures[]>(subjects.map((s) => [s.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, figures] of await round()) rounds.get(name)!.push(figures);
}

const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 0.5);
/** Per round against the baseline measured in the same round, then the median over rounds. */
const versus = (subject: Subject, pick: (own: Figures, base: Figures) => number): number | undefined => {
  if (subject.baseline === undefined) return undefined;
  const base = rounds.get(subject.baseline)!;
  return median(rounds.get(subject.name)!.map((own, i) => pick(own, base[i]!)));
};
const fixed = (value: number | undefined, digits = 0, suffix = ''): string => (value === undefined ? '—' : `${value.toFixed(digits)}${suffix}`);

console.log(`\n## Runtime end to end, one local keep-alive upstream  (node ${process.version}, ${ROUNDS} rounds, medians)`);
console.table(
  subjects.map((subject) => {
    const figures = rounds.get(subject.name)!;
    const throughputRatio = versus(subject, (own, base) => own.rps / base.rps);
    const addedP50 = versus(subject, (own, base) => own.p50 - base.p50);
    const target = subject.mode === undefined ? undefined : TARGETS[subject.mode];
    return {
      subject: subject.name,
      'p50 µs': fixed(median(figures.map((f) => f.p50))),
      'p99 µs': fixed(median(figures.map((f) => f.p99))),
      'added p50 µs': fixed(addedP50),
      'added p99 µs': fixed(versus(subject, (own, base) => own.p99 - base.p99)),
      [`req/s @${CONCURRENCY}`]: Math.round(median(figures.map((f) => f.rps))).toLocaleString('en-US'),
      'throughput vs direct': fixed(throughputRatio, 2, '×'),
      target: target === undefined ? '' : `≥ ${target.throughput}×, ≤ ${target.addedP50} µs: ${throughputRatio! >= target.throughput && addedP50! <= target.addedP50 ? 'met' : 'missed'}`,
    };
  }),
);
console.log(
  `Per round and subject: ${WARMUP} warm-up calls, ${SEQUENTIAL} sequential calls (p50/p99), then ${CONCURRENT_TOTAL} calls at ${CONCURRENCY} concurrent (req/s), ` +
    `the subjects taking turns every ${SEQUENTIAL_SLICE} sequential and ${CONCURRENT_SLICE} concurrent calls. ` +
    'Added latency and throughput are taken against the direct call of the same API in the same round.',
);
for (const note of notes) console.log(note);

await Promise.all(meshes.map((mesh) => mesh.close()));
await direct.close();

// createMesh → first response, in fresh processes (the upstream stays up; connections are new).
// The package rows run dist/, so it is built from the current source first.
const built = spawnSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  encoding: 'utf8',
});
if (built.status !== 0) throw new Error(`building dist/ for the package rows failed: ${built.stdout}${built.stderr}`);
const child = fileURLToPath(new URL('first-response.ts', import.meta.url));
interface FirstResponse {
  readonly boot: number;
  readonly imports: number;
  readonly firstResponse: number;
}
/** Processes that answered but did not close cleanly (a close that hangs is killed after 30 s). */
const closeFailures = new Set<string>();
async function fresh(subject: string, from: string): Promise<FirstResponse | string> {
  const proc = spawn(process.execPath, [child, subject, String(upstream.port), from], { stdio: ['ignore', 'pipe', 'pipe'] });
  const limit = setTimeout(() => proc.kill(), 30_000);
  let out = '';
  let err = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(limit);
  const line = out.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) return `exit ${code}: ${err.trim().split('\n')[0] ?? ''}`;
  if (code !== 0) closeFailures.add(`${subject}: the process answered but then exited with ${code} (${err.trim().split('\n')[0] ?? ''})`);
  return JSON.parse(line) as FirstResponse;
}
/** The direct call, then each mode from the package (the target's case) and from source. */
const startSubjects = [
  { subject: 'direct', from: 'package', label: 'direct undici.request (first request)' },
  ...MODES.flatMap((m) => [
    { subject: m.name, from: 'package', label: `createMesh (${m.name}, package dist/) → first mesh.fetch` },
    { subject: m.name, from: 'source', label: `createMesh (${m.name}, TypeScript source) → first mesh.fetch` },
  ]),
];
const startRows = [];
const startNotes: string[] = [];
let directFirst: number | undefined;
for (const { subject, from, label } of startSubjects) {
  const runs: FirstResponse[] = [];
  for (let i = 0; i < FRESH_PROCESSES; i++) {
    const result = await fresh(subject, from);
    if (typeof result === 'string') {
      startNotes.push(`${label}: a fresh process failed (${result}); row skipped`);
      break;
    }
    runs.push(result);
  }
  if (runs.length < FRESH_PROCESSES) continue;
  const firstResponse = median(runs.map((r) => r.firstResponse));
  if (subject === 'direct') directFirst = firstResponse;
  const target = from === 'package' ? TARGETS[subject] : undefined;
  startRows.push({
    subject: label,
    'node start ms': median(runs.map((r) => r.boot)).toFixed(0),
    'imports ms': median(runs.map((r) => r.imports)).toFixed(0),
    'to first response ms': firstResponse.toFixed(1),
    'vs direct': directFirst === undefined ? '—' : `${(firstResponse / directFirst).toFixed(1)}×`,
    target: target === undefined ? '' : `< ${target.firstResponseMs} ms: ${firstResponse < target.firstResponseMs ? 'met' : 'missed'}`,
  });
}
console.log(`\n## Fresh process: to first response (median of ${FRESH_PROCESSES} processes each)`);
console.table(startRows);
console.log('"to first response" starts after the imports: createMesh with a static config and one call (or the first direct request), new connections included.');
for (const note of [...startNotes, ...closeFailures]) console.log(note);
await upstream.stop();
