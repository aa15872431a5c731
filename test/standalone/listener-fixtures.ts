// Shared by the listener tests: real upstreams and listeners on 127.0.0.1 port 0, each closed
// (connections cut) when the test ends, and a mesh from a static bootstrap.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import type { TestContext } from 'node:test';
import { createMesh, type Mesh } from '../../src/api/mesh.ts';
import type { ListenerServer } from '../../src/standalone/listener-server.ts';

/** A node:http upstream; returns its port. */
export async function httpUpstream(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server: Server = createServer(handler);
  return listen(t, server);
}

/** Listens (on 127.0.0.1 port 0 unless told where) and closes the server, cutting its connections, when the test ends. */
export async function listen(t: TestContext, server: ListenerServer, where: ListenOptions = { host: '127.0.0.1', port: 0 }): Promise<number> {
  server.listen(where);
  await once(server, 'listening');
  t.after(async () => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  });
  return (server.address() as AddressInfo).port;
}

/** The modes a listener test runs in: the core on the listener's thread, or on worker threads. */
export const MODES = ['inline', 'worker'] as const;

/** A mesh on a static bootstrap, closed at once when the test ends. */
export async function meshOf(t: TestContext, bootstrap: object, mode: (typeof MODES)[number]): Promise<Mesh> {
  const mesh = await createMesh({ bootstrap, mode });
  t.after(() => mesh.close({ deadlineMs: 0 }));
  return mesh;
}

/** A STATIC cluster speaking HTTP/2 (h2c) to 127.0.0.1:`port`, as gRPC upstreams need. */
export function h2Cluster(name: string, port: number, extra: object = {}): object {
  return {
    name,
    http2_protocol_options: {},
    ...extra,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
  };
}
