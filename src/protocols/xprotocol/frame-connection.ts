// Reads x-protocol frames from one socket: detects the protocol from the first bytes when asked,
// hands each frame on, and on a malformed, oversized or unknown frame logs the reason and closes
// this connection only. Nothing it does throws out of the socket's event handlers.
import type { Socket } from 'node:net';
import type { XProtocolCodec } from './codec.ts';
import type { XFrame } from './frame.ts';
import { FrameReader, type FrameReaderOptions } from './frame-reader.ts';
import type { ProtocolRegistry } from './registry.ts';

export interface FrameConnectionOptions extends FrameReaderOptions {
  /** Called for each frame, in order, with the codec that decoded it. An exception closes the connection. */
  readonly onFrame: (frame: XFrame, codec: XProtocolCodec) => void;
  /** One line per closed connection, naming the peer and the reason. */
  readonly log: (line: string) => void;
}

/** The protocol is known (an upstream connection, or a listener for one protocol). */
export function readFrames(socket: Socket, codec: XProtocolCodec, options: FrameConnectionOptions): void {
  attach(socket, options, () => codec);
}

/** The protocol is whichever registered codec recognises the first bytes (a shared listener). */
export function readDetectedFrames(socket: Socket, registry: ProtocolRegistry, options: FrameConnectionOptions): void {
  attach(socket, options, (head) => {
    const detection = registry.detect(head);
    if (detection.kind === 'match') return detection.codec;
    return detection.kind === 'need-more' ? undefined : detection.reason;
  });
}

/** `choose` answers the codec, undefined to wait for more first bytes, or why none fits. */
function attach(socket: Socket, options: FrameConnectionOptions, choose: (head: Buffer) => XProtocolCodec | string | undefined): void {
  let reader: FrameReader<XFrame> | undefined;
  let head: Buffer | undefined;
  const close = (reason: string) => {
    socket.off('data', onData);
    options.log(`x-protocol ${reader?.codec.name ?? 'connection'} from ${peer(socket)}: ${reason}; closing the connection`);
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    if (reader === undefined) {
      head = head === undefined ? chunk : Buffer.concat([head, chunk]);
      const chosen = choose(head);
      if (chosen === undefined) return;
      if (typeof chosen === 'string') return close(chosen);
      reader = new FrameReader(chosen, options);
      chunk = head;
      head = undefined;
    }
    const codec = reader.codec;
    let failure: string | undefined;
    try {
      failure = reader.push(chunk, (frame) => options.onFrame(frame, codec));
    } catch (error) {
      failure = `frame handler failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (failure !== undefined) close(failure);
  };
  socket.on('data', onData);
}

function peer(socket: Socket): string {
  const address = socket.remoteAddress;
  if (address === undefined) return 'a closed socket';
  return address.includes(':') ? `[${address}]:${socket.remotePort}` : `${address}:${socket.remotePort}`;
}
