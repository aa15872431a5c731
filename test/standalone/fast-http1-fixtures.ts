// Shared by the fast-path listener tests: a real node:http upstream with an answer per path, a
// mesh over it (direct responses, fault aborts and a retried route beside it), the fast-path
// server and the node:http listener it falls back to, both on the same mesh, and a raw client.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { Mesh } from '../../src/api/mesh.ts';
import { createOutboundServer, type FastHttp1Server } from '../../src/standalone/fast-http1-server.ts';
import { createHttp1Server } from '../../src/standalone/http-listener.ts';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';
import { faultFilter, percent } from '../e2e/fixtures/bootstraps.ts';
import { until, within } from '../e2e/fixtures/wait.ts';
import { listen, type MODES, meshOf } from './listener-fixtures.ts';

/** A request as the upstream saw it; `aborted` turns true when the caller went away before the answer ended. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  aborted: boolean;
}

export interface Fixture {
  readonly mesh: Mesh;
  readonly fast: FastHttp1Server;
  readonly fastPort: number;
  /** The node:http listener alone (the path before the fast one), on the same mesh. */
  readonly nodePort: number;
  readonly seen: Seen[];
  /** Resolves with the response of the next request to `/hold` or `/begin` once it reaches the upstream. */
  nextHeld(): Promise<ServerResponse>;
  /** Bytes the upstream's `/big` bodies produced so far. */
  readonly produced: { bytes: number };
}

/** `/big?bytes=N`: N bytes of this pattern, in 16 KiB pieces made as the upstream's socket asks for them. */
export function bigBody(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + (i >> 10)) & 0xff;
  return out;
}

function upstreamHandler(seen: Seen[], held: ((res: ServerResponse) => void)[], produced: { bytes: number }) {
  const flaky = new Map<string, number>();
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), aborted: false };
      seen.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.aborted = true;
      });
      const path = (req.url ?? '/').split('?')[0];
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      switch (path) {
        case '/echo':
          res.writeHead(200, {
            'x-seen-method': req.method,
            'x-seen-te': String(req.headers['transfer-encoding']),
            'x-seen-fields': Object.keys(req.headers).join(','),
          });
          return void res.end(record.body);
        case '/len':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' });
          return void res.end(req.method === 'HEAD' ? undefined : 'hello');
        case '/chunked':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('ab');
          return void res.end('c');
        case '/cookies':
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          return void res.end('c');
        case '/204':
          return void res.writeHead(204).end();
        case '/304':
          return void res.writeHead(304, { etag: '"x"' }).end();
        case '/flaky': {
          const key = String(req.headers['x-key']);
          const calls = (flaky.get(key) ?? 0) + 1;
          flaky.set(key, calls);
          return void res.writeHead(calls === 1 ? 503 : 200).end(calls === 1 ? 'try again' : record.body);
        }
        case '/big': {
          const total = Number(query.get('bytes'));
          const body = bigBody(total);
          res.writeHead(200, { 'content-length': String(total) });
          const pieces = (function* () {
            for (let at = 0; at < total; at += 16 * 1024) {
              produced.bytes += Math.min(16 * 1024, total - at);
              yield body.subarray(at, at + 16 * 1024);
            }
          })();
          return void Readable.from(pieces, { objectMode: false, highWaterMark: 16 * 1024 }).pipe(res);
        }
        case '/begin':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first part;');
          return held.shift()?.(res);
        case '/hold':
          return held.shift()?.(res);
        default:
          res.end(`${req.method} ${req.url}`);
      }
    });
  };
}

/** The upstream, the mesh (listener `app:80`), the fast-path server and the node:http one; all closed when the test ends. */
export async function fixture(t: TestContext, mode: (typeof MODES)[number] = 'inline'): Promise<Fixture> {
  const seen: Seen[] = [];
  const held: ((res: ServerResponse) => void)[] = [];
  const produced = { bytes: 0 };
  const upstream: Server = createServer(upstreamHandler(seen, held, produced));
  const upstreamPort = await listen(t, upstream);
  const routes = [
    { match: { prefix: '/local-204' }, direct_response: { status: 204 } },
    { match: { prefix: '/local' }, direct_response: { status: 200, body: { inline_string: 'local answer' } } },
    { match: { prefix: '/fault' }, route: { cluster: 'app' }, typed_per_filter_config: faultFilter({ abort: { http_status: 503, percentage: percent(100) } }) },
    { match: { prefix: '/grpc-fault' }, route: { cluster: 'app' }, typed_per_filter_config: faultFilter({ abort: { grpc_status: 14, percentage: percent(100) } }) },
    { match: { prefix: '/flaky' }, route: { cluster: 'app', retry_policy: { retry_on: '5xx', num_retries: 2 } } },
    { match: { prefix: '/' }, route: { cluster: 'app' } },
  ];
  const mesh = await meshOf(t, meshBootstrap('app:80', ['app'], routes, [localCluster('app', [upstreamPort])]), mode);
  const fast = createOutboundServer(mesh.dispatcher());
  const fastPort = await listen(t, fast);
  const node: Server = createHttp1Server(mesh.dispatcher(), {}, () => !node.listening);
  const nodePort = await listen(t, node);
  return {
    mesh,
    fast,
    fastPort,
    nodePort,
    seen,
    produced,
    nextHeld: () => new Promise((resolve) => held.push(resolve)),
  };
}

/** A raw connection to 127.0.0.1:`port` that collects what the server sends. */
export class RawClient {
  readonly socket: Socket;
  text = '';
  readonly connected: Promise<unknown>;
  readonly closed: Promise<unknown>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.text += chunk));
    this.socket.on('error', () => {});
    this.connected = once(this.socket, 'connect');
    this.closed = once(this.socket, 'close');
  }

  send(bytes: string | Buffer): this {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    return this;
  }

  /** Resolves once the text received matches `pattern` (a generous deadline, never a fixed sleep). */
  async received(pattern: RegExp): Promise<string> {
    await until(() => pattern.test(this.text), `${pattern} from the server`);
    return this.text;
  }

  /** Everything the server sent until it closed the connection. */
  async untilClosed(): Promise<string> {
    await within(this.closed, 'the server to close the connection');
    return this.text;
  }
}

/** Sends `bytes` on a new connection and returns all the server sent until it closed (the last request must ask it to). */
export function exchange(port: number, bytes: string | Buffer): Promise<string> {
  return new RawClient(port).send(bytes).untilClosed();
}

/** Date differs from second to second: masked (the mesh's own and the upstream's alike). */
export function withoutDates(text: string): string {
  return text.replace(/^date: [^\r]*\r$/gim, 'Date: -\r');
}
