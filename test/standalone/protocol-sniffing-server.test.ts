// HTTP/1.1 and h2c on one port (codec_type AUTO): each connection goes to the protocol its first
// bytes name, including pipelined HTTP/1.1 and a POST (whose method shares the preface's "P");
// close() drains: an answer in flight finishes with Connection: close, idle keep-alive
// connections and HTTP/2 sessions close, a connection that never spoke is dropped.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request, type IncomingMessage } from 'node:http';
import { connect as h2connect, type IncomingHttpHeaders } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { createH2cServer } from '../../src/standalone/h2c-listener.ts';
import type { ListenerServer } from '../../src/standalone/listener-server.ts';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';
import { httpUpstream, listen, meshOf } from './listener-fixtures.ts';

/** An AUTO server for Host `app` in front of an upstream that echoes the method and path, holding `/slow` until released. */
async function setup(t: TestContext): Promise<{ server: ListenerServer; port: number; release: () => void; slowArrived: Promise<void> }> {
  let release: () => void = () => {};
  let arrived: () => void = () => {};
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const app = await httpUpstream(t, (req, res) => {
    req.resume();
    if (req.url !== '/slow') return void res.end(`${req.method} ${req.url}`);
    arrived();
    void released.then(() => res.end('slow done'));
  });
  const mesh = await meshOf(t, meshBootstrap('app:80', ['app'], [{ match: { prefix: '/' }, route: { cluster: 'app' } }], [localCluster('app', [app])]), 'inline');
  const server = createH2cServer(mesh.dispatcher(), { allowHTTP1: true });
  const port = await listen(t, server);
  return { server, port, release, slowArrived };
}

function answer(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let body = '';
  res.on('data', (chunk: string) => (body += chunk));
  return once(res, 'end').then(() => body);
}

/** Raw bytes on a new connection; the last request asks the server to close, which ends the read. */
async function rawExchange(port: number, bytes: string): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.write(bytes);
  socket.setEncoding('utf8');
  let text = '';
  for await (const chunk of socket) text += chunk as string;
  return text;
}

test('each connection reaches the server of the protocol it speaks', async (t) => {
  const { port } = await setup(t);
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  for (const method of ['GET', 'POST', 'PUT', 'PATCH']) {
    const res = await new Promise<IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port, method, path: `/${method.toLowerCase()}`, headers: { host: 'app' }, agent }, resolve).on('error', reject).end(method === 'GET' ? undefined : 'body'));
    assert.equal(await answer(res), `${method} /${method.toLowerCase()}`);
  }

  const pipelined = await rawExchange(port, 'GET /one HTTP/1.1\r\nHost: app\r\n\r\nGET /two HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
  assert.match(pipelined, /GET \/one[\s\S]*GET \/two/);

  const session = h2connect(`http://127.0.0.1:${port}`);
  t.after(() => session.close());
  for (const path of ['/h2-a', '/h2-b']) {
    const stream = session.request({ ':path': path, ':authority': 'app' });
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    stream.setEncoding('utf8');
    let body = '';
    for await (const chunk of stream) body += chunk as string;
    assert.equal(headers[':status'], 200);
    assert.equal(body, `GET ${path}`);
  }
});

test('close() drains: the answer in flight ends with Connection: close, idle connections and sessions close, a silent one is dropped', async (t) => {
  const { server, port, release, slowArrived } = await setup(t);
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const idle = await new Promise<IncomingMessage>((resolve) => request({ host: '127.0.0.1', port, path: '/idle', headers: { host: 'app' }, agent }, resolve).end());
  assert.equal(await answer(idle), 'GET /idle');
  const session = h2connect(`http://127.0.0.1:${port}`);
  const h2 = session.request({ ':path': '/h2', ':authority': 'app' });
  h2.resume();
  await once(h2, 'end');
  const silent = connect(port, '127.0.0.1');
  await once(silent, 'connect');
  const slow = new Promise<IncomingMessage>((resolve) => request({ host: '127.0.0.1', port, path: '/slow', headers: { host: 'app' }, agent: false }, resolve).end());
  await slowArrived;

  const closed = once(server, 'close');
  server.close();
  await Promise.all([once(session, 'close'), once(silent, 'close')]);
  release();
  const res = await slow;
  assert.equal(res.headers.connection, 'close');
  assert.equal(await answer(res), 'slow done');
  await closed;
});
