// InlineHost.handle always answers with a promise: a call the transport refuses at once (an RPC
// call whose body is not its request frame) rejects, as every failure does, instead of throwing.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import test from 'node:test';
import { SnapshotStore } from '../../src/core/model/snapshot-store.ts';
import { InlineHost } from '../../src/runtime/inline-host.ts';

test('an RPC call whose body is not a frame rejects with a TypeError naming the body, never throws', async () => {
  const host = new InlineHost({ store: new SnapshotStore(), callerOverrides: new Map() });
  try {
    let answer: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      answer = host.handle(
        { listenerName: 'svc:12200', authority: 'svc', path: '/', method: 'POST', headers: new Map(), bodyReplayable: true, rpc: { protocol: 'sidelet.protocol.bolt', oneway: false, timeoutMs: undefined } },
        Readable.from(['not a frame']),
      );
    });
    await assert.rejects(answer!, (error: Error) => error instanceof TypeError && /request frame as bytes/.test(error.message));
  } finally {
    await host.close(1000);
  }
});
