// What starting and draining a listener needs of its server, whatever protocol it speaks
// (node:http, node:http2, or the front that tells them apart), and where a bound listener listens.
import type { ListenOptions, Server } from 'node:net';
import type { ListenerAddress } from '../core/model/listener.ts';

/**
 * A server that is not listening yet: the caller binds it (`listen`) to a fresh address or an
 * inherited handle. `close()` stops accepting and lets requests in flight finish (HTTP/1.1 idle
 * keep-alive connections close, HTTP/2 sessions get a GOAWAY); `closeAllConnections()` then cuts
 * whatever is still open. A node:http Server is one as it is.
 */
export interface ListenerServer extends Server {
  closeAllConnections(): void;
}

/** `server.listen(...)` options for a bound listener's Envoy address. */
export function listenOptionsOf(address: ListenerAddress): ListenOptions {
  return address.kind === 'tcp' ? { host: address.host, port: address.port } : { path: address.path };
}
