// HttpResponseBody on its own, fed by hand through a recording source: read as a stream or by a
// BodyReader, with chunks that arrived before anyone read, backpressure both ways, trailers, and
// destroy reaching the source (the upstream) and the reader.
import assert from 'node:assert/strict';
import test from 'node:test';
import { type BodyReader, type BodySource, HttpResponseBody } from '../../../src/protocols/http/response-body.ts';

function source(): BodySource & { resumes: number; aborts: Error[] } {
  const calls = {
    resumes: 0,
    aborts: [] as Error[],
    resume() {
      calls.resumes++;
    },
    abort(reason: Error) {
      calls.aborts.push(reason);
    },
  };
  return calls;
}

function reader(options: { pauseAfter?: number } = {}): BodyReader & { chunks: string[]; ended?: ReadonlyMap<string, string>; errors: Error[] } {
  const seen = {
    chunks: [] as string[],
    ended: undefined as ReadonlyMap<string, string> | undefined,
    errors: [] as Error[],
    onData(chunk: Buffer) {
      seen.chunks.push(chunk.toString());
      return options.pauseAfter === undefined || seen.chunks.length < options.pauseAfter;
    },
    onEnd(trailers: ReadonlyMap<string, string>) {
      seen.ended = trailers;
    },
    onError(error: Error) {
      seen.errors.push(error);
    },
  };
  return seen;
}

test('a reader gets the chunks that came before it, then each as it arrives, then the trailers', () => {
  const body = new HttpResponseBody(source());
  assert.equal(body.push(Buffer.from('a')), true);
  const r = reader();
  assert.equal(body.readWith(r), true);
  assert.deepEqual(r.chunks, ['a']);
  body.push(Buffer.from('b'));
  assert.deepEqual(r.chunks, ['a', 'b']);
  body.trailers = new Map([['grpc-status', '0']]);
  body.push(null);
  assert.equal(r.ended?.get('grpc-status'), '0');
  assert.deepEqual(r.errors, []);
  assert.equal(body.readWith(reader()), false, 'a body is read once');
});

test('a body that ended before its reader came: every chunk and the end at once; no trailers is an empty map', () => {
  const body = new HttpResponseBody(source());
  body.push(Buffer.from('whole'));
  body.push(null);
  const r = reader();
  body.readWith(r);
  assert.deepEqual(r.chunks, ['whole']);
  assert.equal(r.ended?.size, 0);
});

test('a paused reader holds chunks back; a full buffer pauses the source; resuming delivers them and resumes the source', () => {
  const feed = source();
  const body = new HttpResponseBody(feed);
  const r = reader({ pauseAfter: 1 });
  body.readWith(r);
  body.push(Buffer.from('first'));
  assert.deepEqual(r.chunks, ['first'], 'the reader asked for a pause after its first chunk');
  const big = Buffer.alloc(body.readableHighWaterMark, 'x');
  assert.equal(body.push(big), false, 'the held bytes reached the high-water mark: the source must pause');
  body.push(null);
  assert.equal(r.chunks.length, 1, 'nothing reaches a paused reader');
  assert.equal(r.ended, undefined, 'nor the end');
  const before = feed.resumes;
  body.resumeReader();
  assert.equal(r.chunks.length, 2);
  assert.equal(r.ended, undefined, 'the reader paused again after the big chunk');
  assert.equal(feed.resumes, before + 1, 'the source paused by the full buffer was resumed');
  body.resumeReader();
  assert.ok(r.ended !== undefined);
});

test('pauseReader before readWith: nothing is delivered until resumeReader', () => {
  const body = new HttpResponseBody(source());
  body.push(Buffer.from('held'));
  body.pauseReader();
  const r = reader();
  body.readWith(r);
  assert.deepEqual(r.chunks, []);
  body.resumeReader();
  assert.deepEqual(r.chunks, ['held']);
});

test('destroying a body being read aborts the source and tells the reader, with no unhandled error event', async () => {
  const feed = source();
  const body = new HttpResponseBody(feed);
  const r = reader();
  body.readWith(r);
  body.push(Buffer.from('part'));
  const reset = new Error('upstream reset');
  body.destroy(reset);
  assert.deepEqual(r.errors, [reset]);
  assert.deepEqual(feed.aborts, [reset]);
  // An 'error' event nobody listens for would throw out of the process on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  body.push(Buffer.from('late'));
  assert.deepEqual(r.chunks, ['part'], 'nothing after the error');
});

test('a body destroyed before its reader came hands the reader its error', () => {
  const body = new HttpResponseBody(source());
  body.on('error', () => {});
  const reset = new Error('upstream reset');
  body.destroy(reset);
  const r = reader();
  assert.equal(body.readWith(r), true);
  assert.deepEqual(r.errors, [reset]);
});

test('read as a stream: chunks that came before the first read are not lost; trailers are set before end', async () => {
  const feed = source();
  const body = new HttpResponseBody(feed);
  body.push(Buffer.from('one '));
  body.push(Buffer.from('two'));
  body.trailers = new Map([['x-t', '1']]);
  body.push(null);
  assert.equal(feed.aborts.length, 0);
  let text = '';
  for await (const chunk of body) text += String(chunk);
  assert.equal(text, 'one two');
  assert.equal(body.trailers.get('x-t'), '1');
  assert.equal(feed.aborts.length, 0, 'a body that ended (and was auto-destroyed) aborts nothing');
  assert.equal(body.readWith(reader()), false, 'a body read as a stream takes no reader');
});

test('read as a stream: a full buffer pauses the source, reading resumes it; destroying it early aborts the source', async () => {
  const feed = source();
  const body = new HttpResponseBody(feed);
  const big = Buffer.alloc(body.readableHighWaterMark, 'x');
  assert.equal(body.push(big), false);
  const first = await new Promise<Buffer>((resolve) => body.once('data', resolve));
  assert.equal(first.length, big.length);
  assert.ok(feed.resumes > 0, 'reading asked the source for more');
  body.destroy();
  assert.equal(feed.aborts.length, 1);
  assert.match(feed.aborts[0]!.message, /destroyed before its end/);
});

test('an empty chunk is no data: a reader sees the head and the end with nothing between (a gRPC trailers-only answer)', () => {
  const body = new HttpResponseBody(source());
  body.trailers = new Map([['grpc-status', '5']]);
  body.push(Buffer.alloc(0));
  body.push(null);
  const seen = reader();
  assert.equal(body.readWith(seen), true);
  assert.deepEqual(seen.chunks, []);
  assert.equal(seen.ended?.get('grpc-status'), '5');
});
