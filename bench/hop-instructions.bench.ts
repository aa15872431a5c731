// The sidecar hop's own work counted in instructions, not seconds: each Node hop (the raw-socket
// relay, node:http + undici, `sidelet run`) runs under valgrind's callgrind with V8's --predictable
// (no concurrent GC or compiler threads), and the user-space instructions of a fixed number of
// proxied GETs are read from its counters. On a quiet machine the count repeats within 1-2 % from
// run to run, so a change to the hop shows where timings (10 % apart) cannot.
// `--against <checkout>` counts that checkout's `sidelet run` and this one's instead, in turns
// (ROUNDS each, default 2): a change measured against the tree before it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { load } from './standalone/load.ts';
import { ensureInstalled, type Launcher, type Running, startNodeProxy, startSidelet, startSocketProxy, startUpstream } from './standalone/processes.ts';

/** Warm-up (the JIT settles), then the counted requests; both at a concurrency the slowed hop keeps up with. */
const WARM_UP = 3000;
const COUNTED = 2000;
const CONCURRENCY = 16;
const PHASE_DEADLINE_MS = 900_000;

const { values: flags } = parseArgs({ options: { against: { type: 'string' } } });
const against = flags.against === undefined ? undefined : resolve(flags.against);
const ROUNDS = Number(process.env.ROUNDS ?? 2);

const valgrind = ensureInstalled('valgrind', 'valgrind');
const control = join(valgrind, '..', 'callgrind_control');
const upstream = await startUpstream();
const rows: { subject: string; instructions: number }[] = [];
try {
  const subjects: [string, (port: number, launcher: Launcher) => Promise<Running>][] =
    against === undefined
      ? [
          ['raw sockets, no HTTP library (Node floor)', startSocketProxy],
          ['node:http + undici Pool (no mesh)', startNodeProxy],
          ['sidelet run (HTTP/1.1 listener)', startSidelet],
        ]
      : Array.from({ length: ROUNDS }, (_, round) => [
          [`sidelet run of ${against}, round ${round + 1}`, (port: number, launcher: Launcher) => startSidelet(port, launcher, against)],
          [`sidelet run of this tree, round ${round + 1}`, startSidelet],
        ] as [string, (port: number, launcher: Launcher) => Promise<Running>][]).flat();
  for (const [subject, start] of subjects) rows.push({ subject, instructions: await counted(start) });
} finally {
  await upstream.stop();
}

/** User-space instructions per proxied request of one hop, from callgrind's counters zeroed after the warm-up. */
async function counted(start: (port: number, launcher: Launcher) => Promise<Running>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-callgrind-'));
  const launcher: Launcher = {
    wrap: [valgrind, '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${join(dir, 'cg.%p')}`],
    nodeFlags: ['--predictable'],
    upWithinMs: 600_000,
  };
  const hop = await start(upstream.port, launcher);
  try {
    const [pid] = hop.pids();
    await load({ port: hop.port, host: 'upstream', requests: WARM_UP, concurrency: CONCURRENCY, deadlineMs: PHASE_DEADLINE_MS });
    execFileSync(control, ['--zero', String(pid)], { stdio: 'ignore' });
    await load({ port: hop.port, host: 'upstream', requests: COUNTED, concurrency: CONCURRENCY, deadlineMs: PHASE_DEADLINE_MS });
    execFileSync(control, ['--dump', String(pid)], { stdio: 'ignore' });
    let total = 0;
    for (const file of await readdir(dir)) {
      // The dump after the zeroing is the file with a part number (cg.<pid>.1); the final one is written at exit.
      if (!/^cg\.\d+\.\d+$/.test(file)) continue;
      const totals = /^totals: (\d+)/m.exec(await readFile(join(dir, file), 'utf8'));
      if (totals === null) throw new Error(`${file}: no totals line`);
      total += Number(totals[1]);
    }
    if (total === 0) throw new Error(`no callgrind dump in ${dir}`);
    return total / COUNTED;
  } finally {
    await hop.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const floor = rows[0]!.instructions;
console.log(`\n## Sidecar hop: user-space instructions per proxied GET  (node ${process.version}, callgrind, --predictable)`);
console.table(
  rows.map(({ subject, instructions }) => ({
    subject,
    'instructions / request': Math.round(instructions).toLocaleString('en-US'),
    [against === undefined ? 'vs the floor' : 'vs the first']: `${(instructions / floor).toFixed(2)}x`,
    [against === undefined ? 'above the floor' : 'above the first']: Math.round(instructions - floor).toLocaleString('en-US'),
  })),
);
if (against !== undefined) {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const theirs = median(rows.filter((_, i) => i % 2 === 0).map((r) => r.instructions));
  const ours = median(rows.filter((_, i) => i % 2 === 1).map((r) => r.instructions));
  console.log(`this tree vs ${against}: ${Math.round(ours - theirs).toLocaleString('en-US')} instructions per request (${((100 * (ours - theirs)) / theirs).toFixed(1)} %), medians of ${ROUNDS} runs each`);
}
console.log(`${COUNTED.toLocaleString('en-US')} GETs at ${CONCURRENCY} concurrent keep-alive connections counted after ${WARM_UP.toLocaleString('en-US')} of warm-up; kernel work (the system calls, the same count for each hop) is not included.`);
