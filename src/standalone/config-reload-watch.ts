// --watch: tells when the config file has changed, once the writing is over. Watches the
// directory, not the file: editors replace a file by renaming a new one over it, and Kubernetes
// swaps a ConfigMap's `..data` symlink, and a watch on the file itself misses both.
import { type FSWatcher, type BigIntStats, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Changes closer together than this are one change (an editor's write, rename and chmod). */
export const WATCH_DEBOUNCE_MS = 200;

/**
 * Calls `onChange` when the file (the one a symlink leads to, if it is one) has a new inode,
 * size, or modification or change time, `WATCH_DEBOUNCE_MS` after the last event in its
 * directory. Returns the function that stops watching. Does not keep the process running.
 */
export async function watchConfigFile(file: string, onChange: () => void, onError: (error: Error) => void): Promise<() => void> {
  const path = resolve(file);
  let last = await fingerprint(path);
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    const now = await fingerprint(path);
    if (now === last) return;
    last = now;
    onChange();
  };
  const watcher: FSWatcher = watch(dirname(path), { persistent: false });
  watcher.on('change', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void check().catch(onError), WATCH_DEBOUNCE_MS).unref();
  });
  watcher.on('error', onError);
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

async function fingerprint(path: string): Promise<string> {
  const s: BigIntStats | undefined = await stat(path, { bigint: true }).catch(() => undefined);
  return s === undefined ? 'missing' : `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}
