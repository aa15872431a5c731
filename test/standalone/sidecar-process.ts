// `sidelet run` as a real process for the hot restart, reload and admin block tests: stdout and
// stderr read line by line (shared by every generation a hot restart spawns), waits on log lines,
// and every generation's pid killed when the test ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';

const cli = new URL('../../src/standalone/cli.ts', import.meta.url).pathname;

export interface Line {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

interface Waiter {
  readonly pattern: RegExp;
  readonly stream: Line['stream'] | undefined;
  readonly since: number;
  readonly resolve: (match: RegExpExecArray) => void;
}

export class SidecarProcess {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  /** Every generation's pid seen (`sidelet ready epoch N pid P`), and the ones known to have exited. */
  readonly pids = new Set<number>();
  readonly #exited = new Set<number>();
  readonly #waiters: Waiter[] = [];
  /** Resolves when stdout and stderr have closed: every generation that shares them is gone. */
  readonly closed: Promise<void>;
  /** The first process's exit code. */
  readonly exited: Promise<number | null>;

  constructor(t: TestContext, args: readonly string[]) {
    this.child = spawn(process.execPath, [cli, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid !== undefined) this.pids.add(this.child.pid);
    this.exited = once(this.child, 'exit').then(([code]) => {
      if (this.child.pid !== undefined) this.#exited.add(this.child.pid);
      return code as number | null;
    });
    const ends = (['stdout', 'stderr'] as const).map((stream) => {
      const reader = createInterface({ input: this.child[stream]! });
      reader.on('line', (text) => this.#push({ stream, text }));
      return once(reader, 'close');
    });
    this.closed = Promise.all(ends).then(() => undefined);
    t.after(() => this.kill());
  }

  /** Lines so far: pass it as `since` to wait only for lines still to come. */
  mark(): number {
    return this.lines.length;
  }

  /** The first line from index `since` matching `pattern`; rejects when every generation is gone first. */
  line(pattern: RegExp, options: { stream?: Line['stream']; since?: number } = {}): Promise<RegExpExecArray> {
    const since = options.since ?? 0;
    for (let i = since; i < this.lines.length; i++) {
      const match = matchLine(this.lines[i]!, pattern, options.stream);
      if (match !== null) return Promise.resolve(match);
    }
    const seen = new Promise<RegExpExecArray>((resolve) => this.#waiters.push({ pattern, stream: options.stream, since, resolve }));
    const gone = this.closed.then(() => Promise.reject(new Error(`sidelet exited before printing ${pattern}:\n${this.text()}`)));
    return Promise.race([seen, gone]);
  }

  text(): string {
    return this.lines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.text}`).join('\n');
  }

  async tcpPort(): Promise<number> {
    return Number((await this.line(/^sidelet listening tcp 127\.0\.0\.1:(\d+)$/))[1]);
  }

  /** SIGKILL to every generation not known to have exited (pids of exited ones may be reused). */
  kill(): void {
    for (const pid of this.pids) {
      if (this.#exited.has(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  #push(line: Line): void {
    this.lines.push(line);
    const ready = /^sidelet ready epoch \d+ pid (\d+)$/.exec(line.text);
    if (ready !== null) this.pids.add(Number(ready[1]));
    const gone = /^sidelet epoch \d+ \(pid (\d+)\) exited$/.exec(line.text);
    if (gone !== null) this.#exited.add(Number(gone[1]));
    for (const waiter of [...this.#waiters]) {
      const match = matchLine(line, waiter.pattern, waiter.stream);
      if (match === null || this.lines.length - 1 < waiter.since) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(match);
    }
  }
}

function matchLine(line: Line, pattern: RegExp, stream: Line['stream'] | undefined): RegExpExecArray | null {
  return stream !== undefined && line.stream !== stream ? null : pattern.exec(line.text);
}

/** A fresh temporary directory for one test's files, removed when the test ends. */
export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Replaces the file at once (a temporary file renamed over it), as editors and Kubernetes do. */
export async function replaceFile(path: string, text: string): Promise<void> {
  const staging = `${path}.tmp`;
  await writeFile(staging, text);
  await rename(staging, path);
}
