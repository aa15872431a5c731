// The sidecar hop in one run, against the same node:http upstream on 127.0.0.1: direct, through a
// spawned `sidelet run` (static config, HTTP/1.1 listener, inline core), through nginx as the
// reference sidecar (one worker, keep-alive upstream), through a plain node:http + undici proxy,
// and through bytes relayed between raw sockets (the floor for any Node sidecar). Throughput at
// 64 concurrent keep-alive connections, latency under that load and one request at a time, the
// hop's own CPU time per request (with its user-space part), and how busy the whole machine was.
import { availableParallelism } from 'node:os';
import { load, type LoadResult } from './standalone/load.ts';
import { cpuSeconds, ensureNginx, machineTicks, type Running, startNginx, startNodeProxy, startSidelet, startSocketProxy, startUpstream } from './standalone/processes.ts';

const CONCURRENCY = 64;
const REQUESTS = 20_000;
const WARM_UP = 2_000;
const SEQUENTIAL = 2_000;
/**
 * Throughput runs per subject, interleaved so a burst of other work on the machine hits all alike.
 * On the 2-core VM one subject's runs spread by a third; five give a median that moves less.
 */
const ROUNDS = 5;
const PHASE_DEADLINE_MS = 120_000;
const TARGET = 0.8;

interface Subject {
  readonly name: string;
  readonly port: number;
  /** The hop's processes; none for the direct calls. */
  readonly hop: Running | undefined;
}

interface Run extends LoadResult {
  /** The hop's user + system CPU per request, µs. */
  readonly hopCpuUs: number;
  /** Of which in user space, µs. */
  readonly hopUserUs: number;
  /** The share of the machine's CPU time (all cores, every process) that was busy during the run. */
  readonly machineBusy: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(subject: Subject, requests: number, concurrency: number): Promise<Run> {
  const pids = subject.hop?.pids() ?? [];
  const before = cpuSeconds(pids);
  const machineBefore = machineTicks();
  const result = await load({ port: subject.port, host: 'upstream', requests, concurrency, deadlineMs: PHASE_DEADLINE_MS });
  const machineAfter = machineTicks();
  const after = cpuSeconds(pids);
  const user = after.user - before.user;
  const used = user + after.system - before.system;
  const machineBusy = (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total);
  return { ...result, hopCpuUs: (used * 1e6) / requests, hopUserUs: (user * 1e6) / requests, machineBusy };
}

const nginxBinary = ensureNginx();
const running: Running[] = [];
try {
  const upstream = await startUpstream();
  running.push(upstream);
  const sidelet = await startSidelet(upstream.port);
  const nginx = await startNginx(nginxBinary, upstream.port, CONCURRENCY);
  const nodeProxy = await startNodeProxy(upstream.port);
  const socketProxy = await startSocketProxy(upstream.port);
  running.push(sidelet, nginx, nodeProxy, socketProxy);
  const subjects: Subject[] = [
    { name: 'direct (no hop)', port: upstream.port, hop: undefined },
    { name: 'sidelet run (HTTP/1.1 listener)', port: sidelet.port, hop: sidelet },
    { name: 'nginx (1 worker, keepalive upstream)', port: nginx.port, hop: nginx },
    { name: 'node:http + undici Pool (no mesh)', port: nodeProxy.port, hop: nodeProxy },
    { name: 'raw sockets, no HTTP library (Node floor)', port: socketProxy.port, hop: socketProxy },
  ];
  for (const subject of subjects) await measure(subject, WARM_UP, CONCURRENCY);

  const loaded = new Map<string, Run[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const subject of subjects) loaded.get(subject.name)!.push(await measure(subject, REQUESTS, CONCURRENCY));
  }
  const sequential = new Map<string, Run>();
  for (const subject of subjects) sequential.set(subject.name, await measure(subject, SEQUENTIAL, 1));

  const rows = subjects.map(({ name, hop }) => {
    const runs = loaded.get(name)!;
    return {
      name,
      hop,
      rps: median(runs.map((r) => r.rps)),
      runs: runs.map((r) => Math.round(r.rps)),
      p50: median(runs.map((r) => r.p50Us)),
      p99: median(runs.map((r) => r.p99Us)),
      cpu: median(runs.map((r) => r.hopCpuUs)),
      user: median(runs.map((r) => r.hopUserUs)),
      busy: median(runs.map((r) => r.machineBusy)),
      seq: sequential.get(name)!,
    };
  });
  const [direct, ours, reference] = [rows[0]!, rows[1]!, rows[2]!];
  console.log(`\n## Sidecar hop: sidelet run vs nginx, one local node:http upstream  (node ${process.version})`);
  console.table(
    rows.map((r) => ({
      name: r.name,
      [`req/s @${CONCURRENCY}`]: Math.round(r.rps).toLocaleString('en-US'),
      'runs req/s': r.runs.join(' / '),
      [`p50 µs @${CONCURRENCY}`]: r.p50.toFixed(0),
      [`p99 µs @${CONCURRENCY}`]: r.p99.toFixed(0),
      'p50 µs seq': r.seq.p50Us.toFixed(0),
      'p99 µs seq': r.seq.p99Us.toFixed(0),
      'hop CPU µs/req': r.hop === undefined ? '-' : r.cpu.toFixed(0),
      'of it user': r.hop === undefined ? '-' : r.user.toFixed(0),
      'machine busy': `${(100 * r.busy).toFixed(0)} %`,
      'vs direct': `${(r.rps / direct.rps).toFixed(2)}x`,
      'vs nginx': `${(r.rps / reference.rps).toFixed(2)}x`,
    })),
  );
  const ratio = ours.rps / reference.rps;
  // Each round runs sidelet and nginx minutes apart at most: their ratio within a round is the steadier figure.
  const perRound = ours.runs.map((rps, i) => rps / reference.runs[i]!);
  console.log(`sidelet / nginx throughput: ${ratio.toFixed(2)}x (target ≥ ${TARGET}x: ${ratio >= TARGET ? 'met' : 'missed'}); hop CPU per request ${(ours.cpu / reference.cpu).toFixed(1)}x nginx's`);
  console.log(`sidelet / nginx within each round: ${perRound.map((r) => r.toFixed(2)).join(' / ')} (median ${median(perRound).toFixed(2)}x)`);
  console.log(
    `Medians of ${ROUNDS} interleaved runs of ${REQUESTS.toLocaleString('en-US')} GETs at ${CONCURRENCY} concurrent keep-alive connections per subject (after ${WARM_UP.toLocaleString('en-US')} warm-up), then ${SEQUENTIAL.toLocaleString('en-US')} one at a time. The client, the upstream and the hop share this machine's ${availableParallelism()} cores.`,
  );
} finally {
  for (const process of running.reverse()) await process.stop();
}
