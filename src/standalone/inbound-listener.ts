// Envoy's inbound listener in front of the local app: a listener bound to its own address (Envoy
// `address` + an HttpConnectionManager filter chain) routes every request it accepts by its own
// route table, whatever the Host, so its rate limits and priority queues guard the app.
import type { MeshDispatcher } from '../api/mesh-dispatcher.ts';
import type { Listener } from '../core/model/listener.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import { FastHttp1Server } from './fast-http1-server.ts';
import { createH2cServer } from './h2c-listener.ts';
import type { ListenerServer } from './listener-server.ts';

/** The listeners of a snapshot that accept connections themselves, in config order. */
export function boundListeners(snapshot: Pick<Snapshot, 'listeners'>): Listener[] {
  return [...snapshot.listeners.values()].filter((listener) => listener.socket !== undefined);
}

/**
 * A server (not listening yet) for a bound listener, speaking what its codec_type says: HTTP1
 * (the fast path, node:http behind it), HTTP2 (h2c) or AUTO (both, by the connection preface). Bind it to
 * `listenOptionsOf(listener.socket.address)` or an inherited handle.
 */
export function createInboundServer(dispatcher: MeshDispatcher, listener: Listener): ListenerServer {
  if (listener.socket === undefined) throw new TypeError(`listener "${listener.name}" has no address: it is an API listener, for outbound calls`);
  const routing = { listenerName: listener.name };
  switch (listener.socket.codec) {
    case 'HTTP1':
      return new FastHttp1Server(dispatcher, routing);
    case 'HTTP2':
      return createH2cServer(dispatcher, routing);
    case 'AUTO':
      return createH2cServer(dispatcher, { ...routing, allowHTTP1: true });
  }
}
