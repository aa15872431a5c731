// A relay straight to one server over one socket, standing in for the mesh's relay so invoke is
// tested against real servers on its own: each frame goes out under a fresh id, its answer comes
// back under the caller's id (as the mesh answers), heartbeats are answered, aborts drop the call.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { MeshError } from '../../../src/core/errors.ts';
import type { Relay } from '../../../src/api/invoke.ts';
import type { XProtocolCodec } from '../../../src/protocols/xprotocol/codec.ts';
import { readFrames } from '../../../src/protocols/xprotocol/frame-connection.ts';
import type { RequestId } from '../../../src/protocols/xprotocol/frame.ts';

export interface DirectRelay {
  readonly relay: Relay;
  /** Frames written to the server, as sent (with the relay's ids). */
  readonly sent: readonly Buffer[];
  /** Calls waiting for an answer. */
  pending(): number;
  close(): Promise<void>;
}

interface Pending {
  readonly callerId: RequestId;
  readonly resolve: (bytes: Buffer) => void;
  readonly reject: (error: unknown) => void;
}

export async function connectDirectRelay(codec: XProtocolCodec, target: { readonly host: string; readonly port: number }): Promise<DirectRelay> {
  const socket: Socket = connect(target.port, target.host);
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const pending = new Map<string, Pending>();
  const sent: Buffer[] = [];
  let lastId = 0;

  const failAll = (reason: string): void => {
    for (const [id, call] of pending) {
      pending.delete(id);
      call.reject(new MeshError('SIDELET_UPSTREAM_RESET', reason));
    }
  };
  readFrames(socket, codec, {
    log: (line) => failAll(line),
    onFrame: (frame) => {
      if (frame.kind === 'heartbeat-request') {
        socket.write(codec.replyHeartbeat(frame));
        return;
      }
      if (frame.kind !== 'response') return;
      const call = pending.get(String(frame.requestId));
      if (call === undefined) return;
      pending.delete(String(frame.requestId));
      const answer = Buffer.from(frame.bytes);
      codec.setRequestId(answer, call.callerId);
      call.resolve(answer);
    },
  });
  socket.on('error', () => {});
  socket.on('close', () => failAll(`connection to ${target.host}:${target.port} closed`));

  const relay: Relay = (frame, signal) =>
    new Promise((resolve, reject) => {
      if (socket.destroyed) return reject(new MeshError('SIDELET_CONNECT_FAILURE', `connection to ${target.host}:${target.port} is closed`));
      const id = ++lastId;
      const key = String(id);
      pending.set(key, { callerId: frame.requestId, resolve, reject });
      signal.addEventListener('abort', () => pending.delete(key), { once: true });
      const bytes = Buffer.from(frame.bytes);
      codec.setRequestId(bytes, typeof frame.requestId === 'bigint' ? BigInt(id) : id);
      sent.push(bytes);
      socket.write(bytes);
    });

  return {
    relay,
    sent,
    pending: () => pending.size,
    close: async () => {
      if (socket.destroyed) return;
      const gone = once(socket, 'close');
      socket.destroy();
      await gone;
    },
  };
}
