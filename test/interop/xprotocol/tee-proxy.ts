// A loopback TCP proxy to one upstream that keeps a copy of every byte it forwards, per
// connection and direction, so tests can see exactly what real peers put on the wire.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** What one client connection carried, each direction in arrival order. */
export interface TeeSession {
  toServer(): Buffer;
  toClient(): Buffer;
}

export interface TeeProxy {
  readonly host: string;
  readonly port: number;
  /** One a client connection, in accept order. */
  readonly sessions: readonly TeeSession[];
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

export async function startTeeProxy(target: { readonly host: string; readonly port: number }): Promise<TeeProxy> {
  const sessions: TeeSession[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    const toServer: Buffer[] = [];
    const toClient: Buffer[] = [];
    sessions.push({ toServer: () => Buffer.concat(toServer), toClient: () => Buffer.concat(toClient) });
    // Bytes are kept before they are forwarded, so a peer that has its answer finds it recorded.
    client.on('data', (chunk: Buffer) => toServer.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side failing or closing ends the pair, as a direct connection would end.
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    sessions,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
