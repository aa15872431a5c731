// End to end over HTTP/1.1: with failOpen, a call the runtime cannot serve goes direct to its
// original authority — here the control plane is unreachable and never delivered the call's
// listener. Without failOpen the same call is a mesh failure. (A killed worker, the other way a
// runtime fails a call, is worker mode's alone: test/runtime/worker-mode.test.ts.)
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createMesh, type Mesh, MeshError } from '../../src/api/index.ts';
import { closeAll, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { MODES } from './modes.ts';

/** A loopback port nothing listens on: taken, then released. */
async function deadPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const mode of MODES) {
  describe(`failOpen (${mode})`, () => {
    let upstream: Upstream;
    let open: Mesh;
    let closed: Mesh;

    before(async () => {
      upstream = await startUpstream('direct');
      const bootstrap = {
        xds_servers: [{ server_uri: `127.0.0.1:${await deadPort()}`, channel_creds: [{ type: 'insecure' }] }],
        node: { id: 'app-1' },
      };
      open = await createMesh({ mode, bootstrap, failOpen: true });
      closed = await createMesh({ mode, bootstrap });
    });
    after(async () => {
      await open?.close();
      await closed?.close({ deadlineMs: 0 });
      await closeAll([upstream]);
    });

    it('sends the call direct to its authority while the control plane is unreachable', async () => {
      const res = await open.fetch(`http://127.0.0.1:${upstream.port}/orders?id=7`, { method: 'POST', body: 'order' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-served-by'), 'direct');
      await res.text();
      const seen = upstream.requests.at(-1)!;
      assert.equal(seen.path, '/orders?id=7');
      assert.equal(seen.body, 'order');
    });

    it('without failOpen the call waits for the control plane instead', async () => {
      const before = upstream.count();
      const controller = new AbortController();
      const pending = closed.fetch(`http://127.0.0.1:${upstream.port}/x`, { signal: controller.signal });
      const outcome = await Promise.race([pending.then(() => 'answered', (e: unknown) => (e instanceof MeshError ? e.code : 'rejected')), new Promise((resolve) => setTimeout(resolve, 300, 'waiting'))]);
      assert.equal(outcome, 'waiting');
      controller.abort(new Error('done waiting'));
      await assert.rejects(pending, { message: 'done waiting' });
      assert.equal(upstream.count(), before);
    });
  });
}
