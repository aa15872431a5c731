// undici, loaded the first time a TLS or HTTP/2 cluster needs it: plaintext HTTP/1.1 clusters use
// sidelet's own client, so a data-plane worker whose clusters are all plaintext HTTP/1.1 starts
// without undici's module graph (about 150 ms of a fresh worker's start on a 2-core machine).
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

let loaded: typeof Undici | undefined;

/** The undici module; the first call loads it (it is CommonJS, so synchronously). */
export function undici(): typeof Undici {
  loaded ??= createRequire(import.meta.url)('undici') as typeof Undici;
  return loaded;
}
