// A body streamed between threads over a MessagePort: the writer sends chunks (each in a buffer
// of its own, transferred) within a credit window; the reader is a Readable that grants credit as
// it is read, so a slow consumer on one thread stops the producer on the other.
import { Readable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { MeshError } from '../core/errors.ts';
import { type BodyMessage, kBodyWindowBytes } from './protocol.ts';

/** A chunk in an ArrayBuffer of its own, ready to transfer (copied when it shares a pooled buffer). */
export function ownChunk(chunk: Uint8Array): Uint8Array {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer ? chunk : new Uint8Array(chunk);
}

/**
 * The reading end: a Readable on the receiving thread, with `trailers` set before 'end'. A port
 * that closes before 'end' (the other thread died) errors the body with a retriable MeshError.
 */
export class PortReadable extends Readable {
  trailers: ReadonlyMap<string, string> | undefined = undefined;
  readonly #port: MessagePort;
  #unacknowledged = 0;
  #ended = false;

  constructor(port: MessagePort, initial: readonly Uint8Array[] = []) {
    super();
    this.#port = port;
    for (const chunk of initial) this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    port.on('message', (message: BodyMessage) => this.#onMessage(message));
    port.once('close', () => {
      if (!this.#ended && !this.destroyed) this.destroy(new MeshError('SIDELET_RUNTIME_FAILURE', 'the thread streaming this body went away'));
    });
  }

  override _read(): void {
    if (this.#unacknowledged === 0 || this.#ended) return;
    this.#port.postMessage({ type: 'credit', bytes: this.#unacknowledged } satisfies BodyMessage);
    this.#unacknowledged = 0;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#ended) this.#port.postMessage({ type: 'cancel' } satisfies BodyMessage);
    this.#ended = true;
    this.#port.close();
    callback(error);
  }

  #onMessage(message: BodyMessage): void {
    if (message.type === 'data') {
      this.#unacknowledged += message.chunk.byteLength;
      if (this.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength))) this._read();
    } else if (message.type === 'end') {
      this.#ended = true;
      this.trailers = new Map(message.trailers);
      this.push(null);
      this.#port.close();
    } else if (message.type === 'error') {
      this.#ended = true;
      this.destroy(new MeshError('SIDELET_UPSTREAM_RESET', message.message));
    }
  }
}

/**
 * The writing end: streams `body` to `port` within the credit window; stops and destroys the
 * body when the reader cancels or goes away. `trailers` is read once the body ends.
 */
export function pumpToPort(body: Readable, port: MessagePort, trailers: () => ReadonlyMap<string, string> | undefined = () => undefined): void {
  let inFlight = 0;
  let done = false;
  // After 'end' or 'error' the reader closes the port, so every queued message is delivered first.
  const finish = () => {
    done = true;
  };
  port.on('message', (message: BodyMessage) => {
    if (message.type === 'credit') {
      inFlight -= message.bytes;
      if (inFlight < kBodyWindowBytes && body.isPaused()) body.resume();
    } else if (message.type === 'cancel' && !done) {
      finish();
      port.close();
      body.destroy();
    }
  });
  port.once('close', () => {
    if (!done) body.destroy();
    done = true;
  });
  body.on('data', (data: Uint8Array | string) => {
    if (done) return;
    const chunk = ownChunk(typeof data === 'string' ? Buffer.from(data) : data);
    inFlight += chunk.byteLength;
    port.postMessage({ type: 'data', chunk } satisfies BodyMessage, [chunk.buffer as ArrayBuffer]);
    if (inFlight >= kBodyWindowBytes) body.pause();
  });
  body.once('end', () => {
    if (done) return;
    port.postMessage({ type: 'end', trailers: [...(trailers() ?? [])] } satisfies BodyMessage);
    finish();
  });
  body.once('error', (error: Error) => {
    if (done) return;
    port.postMessage({ type: 'error', message: error.message } satisfies BodyMessage);
    finish();
  });
  body.resume();
}
