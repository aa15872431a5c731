// Child processes for the xDS benchmarks: the fixture server (started, then stopped by closing its
// stdin) and one-shot runs that print a single JSON line, each bounded by a deadline.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface RunningFixture {
  readonly target: string;
  stop(): Promise<void>;
}

function firstLine(child: ChildProcess, what: string, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: no answer within ${deadlineMs} ms`));
    }, deadlineMs);
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(out.slice(0, nl));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before answering: ${err.trim()}`));
    });
  });
}

/** Starts bench/xds/fixture-server.ts serving `clusters` clusters. */
export async function startFixture(clusters: number): Promise<RunningFixture> {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'xds', 'fixture-server.ts'), String(clusters)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const { port } = JSON.parse(await firstLine(child, 'fixture server', 60_000)) as { port: number };
  return {
    target: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}

/** Runs a node script with `args`, returns the JSON it prints on its first stdout line; kills it after `deadlineMs`. */
export async function runJson<T>(nodeFlags: readonly string[], script: string, args: readonly string[], deadlineMs: number): Promise<T> {
  const child = spawn(process.execPath, [...nodeFlags, join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await firstLine(child, script, deadlineMs);
  await exited;
  return JSON.parse(line) as T;
}
