// The fast path answers byte for byte as the node:http listener did (Date aside): upstream answers
// of every framing, HEAD, 204 and 304, local answers and fault aborts, mesh failures, a missing
// Host, HTTP/1.0 with and without keep-alive, absolute-form targets, the fields not forwarded, and
// requests it leaves to node:http. Each request list goes to both servers of one mesh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exchange, fixture, withoutDates } from './fast-http1-fixtures.ts';

const CLOSE = 'Connection: close\r\n';

/** [what, request bytes, stays on the fast path]; the last request of each asks the server to close. */
const CASES: readonly (readonly [string, string, boolean])[] = [
  ['content-length answer', `GET /len HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['chunked answer', `GET /chunked HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['two set-cookie fields', `GET /cookies HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['HEAD', `HEAD /len HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['204 then 304 on one connection', `GET /204 HTTP/1.1\r\nHost: app\r\n\r\nGET /304 HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['pipelined keep-alive requests', `GET /len HTTP/1.1\r\nHost: app\r\n\r\nGET /chunked HTTP/1.1\r\nHost: app\r\n\r\nGET /x?y=1 HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['a direct_response, for GET and HEAD', `GET /local HTTP/1.1\r\nHost: app\r\n\r\nHEAD /local HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['a bodiless direct_response', `GET /local-204 HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['a fault abort (FI)', `GET /fault HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  ['a gRPC fault abort (grpc-status)', `POST /grpc-fault HTTP/1.1\r\nHost: app\r\nContent-Length: 0\r\n${CLOSE}\r\n`, true],
  ['a mesh failure (no route: 404 NR)', `GET / HTTP/1.1\r\nHost: nowhere\r\n${CLOSE}\r\n`, true],
  ['no Host: 400', 'GET / HTTP/1.0\r\n\r\n', true],
  ['HTTP/1.0: close-delimited answer', 'GET /chunked HTTP/1.0\r\nHost: app\r\n\r\n', true],
  ['HTTP/1.0 keep-alive: kept with a length, closed without', 'GET /len HTTP/1.0\r\nHost: app\r\nConnection: keep-alive\r\n\r\nGET /chunked HTTP/1.0\r\nHost: app\r\nConnection: keep-alive\r\n\r\n', true],
  ['HTTP/1.0 HEAD', 'HEAD /len HTTP/1.0\r\nHost: app\r\n\r\n', true],
  ['absolute-form target (HTTP proxy use)', `GET http://app/echo?q=1 HTTP/1.1\r\nHost: other\r\n${CLOSE}\r\n`, true],
  ['OPTIONS *', `OPTIONS * HTTP/1.1\r\nHost: app\r\n${CLOSE}\r\n`, true],
  [
    'fields not forwarded: hop-by-hop, te, proxy-authorization, and what Connection names',
    `POST /echo HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\nConnection: x-drop, close\r\nX-Drop: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\nProxy-Authorization: basic x\r\nX-Kept: 1\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: a\r\nAccept: b\r\n\r\nhello`,
    true,
  ],
  ['a request a retry sends again (its body read whole)', `POST /flaky HTTP/1.1\r\nHost: app\r\nX-Key: parity\r\nContent-Length: 4\r\n${CLOSE}\r\nbody`, true],
  ['a repeated field node:http keeps once (node:http serves it)', `GET /echo HTTP/1.1\r\nHost: app\r\nUser-Agent: a\r\nUser-Agent: b\r\n${CLOSE}\r\n`, false],
  ['a chunked request body (node:http serves it)', `POST /echo HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n${CLOSE}\r\n3\r\nabc\r\n0\r\n\r\n`, false],
  ['bytes that are not HTTP, e.g. a TLS handshake (node:http answers 400 at once)', '\x16\x03\x01\x00\xa5\x01\x00', false],
  ['a malformed request (node:http answers 400)', `GET / HTTP/1.1\r\nHost : app\r\n\r\n`, false],
  ['a head over 64 KiB (node:http answers 431)', `GET / HTTP/1.1\r\nHost: app\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`, false],
  ['an unknown method (node:http answers 400)', `BREW / HTTP/1.1\r\nHost: app\r\n\r\n`, false],
];

test('the fast path answers as the node:http listener, byte for byte', async (t) => {
  const f = await fixture(t);
  for (const [what, request, fast] of CASES) {
    const before = f.fast.fallbacks;
    const viaFast = withoutDates(await exchange(f.fastPort, request));
    const viaNode = withoutDates(await exchange(f.nodePort, request.replaceAll('X-Key: parity', 'X-Key: parity-node')));
    assert.equal(viaFast, viaNode, what);
    assert.match(viaFast, /^HTTP\/1\.1 \d{3} /, what);
    assert.equal(f.fast.fallbacks - before, fast ? 0 : 1, `${what}: ${fast ? 'stays on the fast path' : 'handed to node:http'}`);
  }
});

test('the upstream sees the same request from either path', async (t) => {
  const f = await fixture(t);
  const request = `PUT /echo?a=1 HTTP/1.1\r\nHost: app:80\r\nContent-Length: 3\r\nConnection: x-drop\r\nX-Drop: 1\r\nX-Kept: yes\r\nCookie: a=1\r\nCookie: b=2\r\nUpgrade-Insecure-Requests: 1\r\n${CLOSE}\r\nabc`;
  await exchange(f.fastPort, request);
  await exchange(f.nodePort, request);
  const [viaFast, viaNode] = f.seen.slice(-2);
  assert.ok(viaFast !== undefined && viaNode !== undefined);
  assert.deepEqual({ ...viaFast, headers: { ...viaFast.headers } }, { ...viaNode, headers: { ...viaNode.headers } });
  assert.equal(viaFast.headers.cookie, 'a=1; b=2');
  assert.equal(viaFast.headers['x-drop'], undefined);
  assert.equal(viaFast.body.toString(), 'abc');
});
