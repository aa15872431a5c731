// AnswerWriter against a socket that records its writes: a held answer leaves in one write of one
// buffer, chunked framing, a large held answer as a writev, and a destroyed socket gets nothing.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { AnswerWriter } from '../../src/standalone/answer-writer.ts';

/** What AnswerWriter uses of a Socket, recording each write as its bytes (latin1 for strings). */
class RecordingSocket {
  readonly writes: Buffer[] = [];
  corked = 0;
  destroyed = false;
  writableLength = 0;
  writableHighWaterMark = 16 * 1024;
  /** What write() answers: false when the test plays a full socket. */
  room = true;

  get writableNeedDrain(): boolean {
    return !this.room;
  }

  write(piece: string | Buffer, encoding?: BufferEncoding): boolean {
    this.writes.push(typeof piece === 'string' ? Buffer.from(piece, encoding ?? 'utf8') : piece);
    return this.room;
  }

  cork(): void {
    this.corked += 1;
  }

  uncork(): void {}
}

function writer(): { socket: RecordingSocket; answer: AnswerWriter } {
  const socket = new RecordingSocket();
  return { socket, answer: new AnswerWriter(socket as unknown as Socket) };
}

test('a held head, body and end leave in one write of one buffer', () => {
  const { socket, answer } = writer();
  answer.framing = 'length';
  answer.hold();
  answer.head('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n');
  assert.equal(answer.body(Buffer.from('hello')), true);
  answer.end();
  assert.equal(socket.writes.length, 0, 'nothing written while held');
  assert.equal(answer.flush(), true);
  assert.deepEqual(socket.writes.map((w) => w.toString('latin1')), ['HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello']);
  assert.equal(socket.corked, 0);
});

test('chunked framing: size line, data and CRLF per chunk, the last chunk at the end; unheld pieces go out at once', () => {
  const { socket, answer } = writer();
  answer.framing = 'chunked';
  answer.hold();
  answer.head('H\r\n\r\n');
  answer.body(Buffer.from('abc'));
  answer.flush();
  answer.body(Buffer.from('0123456789abcdef'));
  answer.body(Buffer.alloc(0));
  answer.end();
  assert.deepEqual(socket.writes.map((w) => w.toString('latin1')), ['H\r\n\r\n3\r\nabc\r\n', '10\r\n0123456789abcdef\r\n', '0\r\n\r\n']);
});

test('a held answer past the socket high-water mark says it has no room; past 16 KiB it leaves as one writev of its pieces', () => {
  const { socket, answer } = writer();
  answer.framing = 'length';
  answer.hold();
  answer.head('HTTP/1.1 200 OK\r\n\r\n');
  assert.equal(answer.body(Buffer.alloc(10 * 1024, 1)), true, 'within the socket high-water mark');
  assert.equal(answer.body(Buffer.alloc(10 * 1024, 2)), false, 'past it: the reader holds back until the drain');
  assert.equal(socket.writes.length, 0, 'still held');
  answer.flush();
  assert.equal(socket.writes.length, 3, 'a corked writev of head and both chunks');
  assert.equal(socket.corked, 1);
  assert.equal(Buffer.concat(socket.writes).length, 19 + 20 * 1024);
});

test('a socket destroyed while the answer was held gets none of it', () => {
  const { socket, answer } = writer();
  answer.framing = 'length';
  answer.hold();
  answer.head('HTTP/1.1 200 OK\r\n\r\n');
  socket.destroyed = true;
  answer.flush();
  assert.equal(socket.writes.length, 0);
});
