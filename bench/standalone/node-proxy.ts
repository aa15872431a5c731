// The floor for any Node sidecar, beside sidelet in the bench: a plain node:http server forwarding
// each request through an undici Pool to one upstream and piping the answer back, with no
// routing or policy at all. Prints `port N` once listening; exits on SIGTERM.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = new Pool(`http://127.0.0.1:${process.argv[2]}`, { connections: 128, pipelining: 1 });
const server = createServer((req, res) => {
  upstream.request({ path: req.url ?? '/', method: req.method as 'GET', headers: { host: req.headers.host ?? 'upstream' }, body: req.method === 'GET' ? null : req }).then(
    ({ statusCode, headers, body }) => {
      const length = headers['content-length'];
      res.writeHead(statusCode, length === undefined ? {} : { 'content-length': String(length) });
      body.pipe(res);
    },
    (error: Error) => res.writeHead(502).end(error.message),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void upstream.close();
});
