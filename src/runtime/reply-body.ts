// How a data-plane worker hands a response body to the main thread: a body that ends within the
// turn its head arrived in (most small responses) goes back with the head, in one transferred
// buffer; anything longer streams over a port of its own.
import type { Readable } from 'node:stream';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { WireBody } from './protocol.ts';
import { ownChunk, pumpToPort } from './port-body.ts';

/** Bytes a body may have to still go back with its head; beyond it, it streams. */
const kInlineBodyBytes = 64 * 1024;

type BodyWithTrailers = Readable & { readonly trailers?: ReadonlyMap<string, string> | undefined };

export interface ReplyBody {
  readonly body: WireBody;
  readonly transfer: readonly (ArrayBuffer | MessagePort)[];
}

export function replyBody(body: BodyWithTrailers | undefined): Promise<ReplyBody> {
  if (body === undefined) return Promise.resolve({ body: { kind: 'none' }, transfer: [] });
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let settled = false;
    const detach = () => {
      settled = true;
      clearImmediate(turn);
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Uint8Array) => {
      chunks.push(chunk);
      bytes += chunk.byteLength;
      if (bytes > kInlineBodyBytes) stream();
    };
    const onEnd = () => {
      detach();
      const whole = ownChunk(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      resolve({ body: { kind: 'buffered', chunks: [whole], trailers: [...(body.trailers ?? [])] }, transfer: [whole.buffer as ArrayBuffer] });
    };
    const onError = (error: Error) => {
      if (settled) return;
      detach();
      const { port1, port2 } = new MessageChannel();
      port1.postMessage({ type: 'error', message: error.message });
      resolve({ body: { kind: 'stream', chunks: [], port: port2 }, transfer: [port2] });
    };
    const stream = () => {
      if (settled) return;
      detach();
      body.pause();
      const { port1, port2 } = new MessageChannel();
      const initial = chunks.map(ownChunk);
      pumpToPort(body, port1, () => body.trailers);
      resolve({ body: { kind: 'stream', chunks: initial, port: port2 }, transfer: [port2, ...initial.map((c) => c.buffer as ArrayBuffer)] });
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    const turn = setImmediate(stream);
  });
}
