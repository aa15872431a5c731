// --pid-file: the pid of the generation that serves, for `kill -USR2 "$(cat file)"`. Each
// generation writes it when it is ready (replacing its parent's); the last one removes it at exit.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** Written under a temporary name and renamed, so a reader never sees a half-written pid. */
export async function writePidFile(path: string): Promise<void> {
  const staging = `${path}.${process.pid}.tmp`;
  await writeFile(staging, `${process.pid}\n`);
  await rename(staging, path);
}

/** Removed only while it still names this process (a successor may have written its own). */
export async function removePidFile(path: string): Promise<void> {
  const pid = await readFile(path, 'utf8').catch(() => '');
  if (pid.trim() === String(process.pid)) await rm(path, { force: true });
}
