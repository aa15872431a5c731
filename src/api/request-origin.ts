// Where a call made by URL goes in the mesh: its listener (the authority through the bootstrap's
// name template, gRPC A27), its :authority and the hop-by-hop headers a proxy never forwards.
import type { Bootstrap } from '../config/bootstrap.ts';
import { authorityOf, listenerNameFor } from '../config/listener-name.ts';

export { HOP_BY_HOP } from '../protocols/http/headers.ts';

export interface RequestOrigin {
  readonly listenerName: string;
  /** The URL's host with its port only when the URL names one, as a browser's Host header has it. */
  readonly authority: string;
}

export function requestOrigin(url: URL, bootstrap: Pick<Bootstrap, 'clientDefaultListenerResourceNameTemplate'>): RequestOrigin {
  return { listenerName: listenerNameFor(bootstrap, url), authority: url.port === '' ? url.hostname : authorityOf(url) };
}
