// The last-known-good cache: every ACKed set of resources of a type, as proto3 JSON, in one file
// per type in a cache directory, written atomically (temp file, then rename). Read back when the
// control plane cannot be reached at start; a corrupt file is skipped with a warning.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CachedTypeSet {
  readonly typeUrl: string;
  readonly version: string;
  /** Resource name → its proto3 JSON, as decoded from the ACKed response. */
  readonly resources: Readonly<Record<string, unknown>>;
}

/** Owned by the thread that runs the ADS client; only it writes the directory. */
export interface LkgCache {
  save(set: CachedTypeSet): void;
  /** The cached set for a type, or undefined (none, or unreadable: `warn` says why). */
  load(typeUrl: string, warn: (message: string) => void): CachedTypeSet | undefined;
}

const FORMAT = 1;

function fileName(typeUrl: string): string {
  return `${typeUrl.slice(typeUrl.lastIndexOf('/') + 1)}.json`;
}

export function fileLkgCache(dir: string): LkgCache {
  let seq = 0;
  return {
    save(set) {
      mkdirSync(dir, { recursive: true });
      const target = join(dir, fileName(set.typeUrl));
      const temp = `${target}.${process.pid}.${seq++}.tmp`;
      writeFileSync(temp, JSON.stringify({ format: FORMAT, ...set }));
      renameSync(temp, target);
    },
    load(typeUrl, warn) {
      const path = join(dir, fileName(typeUrl));
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`xDS cache ${path} is unreadable, ignored: ${(error as Error).message}`);
        return undefined;
      }
      try {
        const parsed = JSON.parse(text) as Partial<CachedTypeSet> & { format?: unknown };
        if (parsed.format !== FORMAT || parsed.typeUrl !== typeUrl || typeof parsed.version !== 'string') throw new Error('not a sidelet xDS cache file');
        if (typeof parsed.resources !== 'object' || parsed.resources === null || Array.isArray(parsed.resources)) throw new Error('resources is not an object');
        return { typeUrl, version: parsed.version, resources: parsed.resources };
      } catch (error) {
        warn(`xDS cache ${path} is corrupt, ignored: ${(error as Error).message}`);
        return undefined;
      }
    },
  };
}
