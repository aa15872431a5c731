// The HTTP transport against real node:http and node:http2 (h2c) servers on 127.0.0.1:
// round trips, the failure kinds, cancellation as the upstream sees it, and pending overflow.
import assert from 'node:assert/strict';
import { constants as h2 } from 'node:http2';
import { Readable } from 'node:stream';
import test from 'node:test';
import { decodeCircuitBreakers } from '../../../src/config/decode-circuit-breakers.ts';
import { HttpResponseBody } from '../../../src/protocols/http/response-body.ts';
import { HttpTransport } from '../../../src/protocols/http/http-transport.ts';
import { assignmentOf, deferred, h2cUpstream, httpCluster, httpUpstream, readRequest, readText, recorder, refusedEndpoint, upstreamRequest } from './servers.ts';

const strict = { strict: true };

test('HTTP/1.1: a GET round-trips with status, lower-cased headers, the authority as Host, and a readable body', async () => {
  let seen: Record<string, unknown> = {};
  const upstream = await httpUpstream((req, res) => {
    seen = { host: req.headers.host, method: req.method, url: req.url, custom: req.headers['x-custom'] };
    res.writeHead(200, { 'X-Answer': 'yes', 'content-type': 'text/plain' });
    res.end('hello');
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    const { handler, answer, calls } = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint, { path: '/greet?x=1', headers: new Map([['x-custom', 'v'], ['connection', 'keep-alive']]) }), handler);
    const result = await answer;
    assert.equal(result.kind, 'response');
    if (result.kind !== 'response') return;
    assert.equal(result.response.status, 200);
    assert.equal(result.response.headers.get('x-answer'), 'yes');
    assert.ok(result.response.body instanceof HttpResponseBody);
    assert.equal(await readText(result.response.body), 'hello');
    assert.deepEqual(seen, { host: 'svc.test', method: 'GET', url: '/greet?x=1', custom: 'v' });
    assert.equal(calls(), 1);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('HTTP/1.1: a replayable POST body is sent with every attempt', async () => {
  const bodies: string[] = [];
  const upstream = await httpUpstream((req, res) => {
    void readRequest(req).then((text) => {
      bodies.push(`${req.method} ${text}`);
      res.end(`got ${text.length}`);
    });
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    const call = transport.withBody(new TextEncoder().encode('payload'));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const { handler, answer } = recorder();
      call.send(upstreamRequest('svc', upstream.endpoint, { method: 'POST', attempt }), handler);
      const result = await answer;
      assert.equal(result.kind === 'response' && (await readText(result.response.body)), 'got 7');
    }
    assert.deepEqual(bodies, ['POST payload', 'POST payload']);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('a streamed body is sent once: a second attempt with it fails without reaching the upstream', async () => {
  const bodies: string[] = [];
  const upstream = await httpUpstream((req, res) => {
    void readRequest(req).then((text) => {
      bodies.push(text);
      res.end();
    });
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    const call = transport.withBody(Readable.from([Buffer.from('one '), Buffer.from('shot')]));
    const first = recorder();
    call.send(upstreamRequest('svc', upstream.endpoint, { method: 'PUT' }), first.handler);
    const answered = await first.answer;
    assert.equal(answered.kind === 'response' && answered.response.status, 200);
    if (answered.kind === 'response') await readText(answered.response.body);
    const second = recorder();
    call.send(upstreamRequest('svc', upstream.endpoint, { method: 'PUT', attempt: 2 }), second.handler);
    const refused = await second.answer;
    assert.equal(refused.kind === 'failure' && refused.failure, 'reset');
    assert.deepEqual(bodies, ['one shot']);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('a refused connection is a connect-failure', async () => {
  const host = await refusedEndpoint();
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([host]));
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('svc', host), handler);
    const result = await answer;
    assert.equal(result.kind, 'failure');
    assert.equal(result.kind === 'failure' && result.failure, 'connect-failure');
    assert.match(result.kind === 'failure' ? result.detail : '', /ECONNREFUSED/);
  } finally {
    await transport.close();
  }
});

test('an upstream that destroys the socket before the response head is a reset', async () => {
  const upstream = await httpUpstream((req) => req.socket.destroy());
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint, { method: 'POST' }), handler);
    const result = await answer;
    assert.equal(result.kind === 'failure' && result.failure, 'reset');
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('an upstream that destroys the socket mid-body errors the body handle after the head was delivered', async () => {
  const upstream = await httpUpstream((req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial', () => req.socket.destroy());
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint), handler);
    const result = await answer;
    assert.equal(result.kind === 'response' && result.response.status, 200);
    await assert.rejects(readText(result.kind === 'response' ? result.response.body : undefined));
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('cancel() while waiting for the head aborts the request: the upstream sees its connection close, the handler hears nothing', async () => {
  const arrived = deferred();
  const closed = deferred<boolean>();
  const upstream = await httpUpstream((_req, res) => {
    res.on('close', () => closed.resolve(res.writableEnded));
    arrived.resolve();
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    const { handler, calls } = recorder();
    const control = transport.send(upstreamRequest('svc', upstream.endpoint), handler);
    await arrived.promise;
    control.cancel();
    assert.equal(await closed.promise, false, 'the response never ended: the request was aborted');
    assert.equal(calls(), 0);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('cancel() after the head drops the body and aborts the stream upstream', async () => {
  const closed = deferred<boolean>();
  const upstream = await httpUpstream((_req, res) => {
    res.on('close', () => closed.resolve(res.writableEnded));
    res.writeHead(200);
    res.write('first chunk');
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    const { handler, answer } = recorder();
    const control = transport.send(upstreamRequest('svc', upstream.endpoint), handler);
    const result = await answer;
    assert.equal(result.kind, 'response');
    control.cancel();
    assert.equal(await closed.promise, false);
    assert.equal(result.kind === 'response' && (result.response.body as HttpResponseBody).destroyed, true);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('max_connections 1 and max_pending_requests 0: a second concurrent request overflows; with 1 pending it waits its turn', async () => {
  const held: (() => void)[] = [];
  const arrived = [deferred(), deferred()];
  const upstream = await httpUpstream((_req, res) => {
    arrived[held.length]?.resolve();
    held.push(() => res.end('done'));
  });
  const transport = new HttpTransport();
  const counters = new Int32Array(1);
  try {
    const breakers = (pending: number) => decodeCircuitBreakers({ thresholds: [{ max_connections: 1, max_pending_requests: pending }] }, ['circuit_breakers'], strict);
    transport.setCluster(httpCluster('svc', { circuitBreakers: breakers(0) }), assignmentOf([upstream.endpoint]), counters);
    const first = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint), first.handler);
    await arrived[0]!.promise;
    const second = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint), second.handler);
    const overflow = await second.answer;
    assert.equal(overflow.kind === 'failure' && overflow.failure, 'overflow');
    assert.equal(counters[0], 0);

    transport.setCluster(httpCluster('svc', { circuitBreakers: breakers(1) }), assignmentOf([upstream.endpoint]), counters);
    const third = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint), third.handler);
    assert.equal(counters[0], 1, 'the third request waits for the one connection');
    held[0]!();
    const firstAnswer = await first.answer;
    if (firstAnswer.kind === 'response') await readText(firstAnswer.response.body);
    await arrived[1]!.promise;
    held[1]!();
    const thirdAnswer = await third.answer;
    assert.equal(thirdAnswer.kind === 'response' && (await readText(thirdAnswer.response.body)), 'done');
    assert.equal(counters[0], 0);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('h2c: a POST round-trips over HTTP/2 with prior knowledge, with :authority and trailers on the body', async () => {
  let seen: Record<string, unknown> = {};
  const upstream = await h2cUpstream((stream, headers) => {
    void readRequest(stream).then((text) => {
      seen = { authority: headers[':authority'], method: headers[':method'], path: headers[':path'], body: text };
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
      stream.end('reply');
    });
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('grpc', { http2: true }), assignmentOf([upstream.endpoint]));
    const { handler, answer } = recorder();
    transport.withBody('request').send(upstreamRequest('grpc', upstream.endpoint, { method: 'POST', path: '/pkg.Svc/Call', headers: new Map([['te', 'trailers']]) }), handler);
    const result = await answer;
    assert.equal(result.kind, 'response');
    if (result.kind !== 'response') return;
    assert.equal(result.response.status, 200);
    assert.equal(result.response.grpcStatus, undefined, 'a normal gRPC response carries its status in trailers');
    const body = result.response.body as HttpResponseBody;
    assert.equal(await readText(body), 'reply');
    assert.equal(body.trailers?.get('grpc-status'), '0');
    assert.equal(body.trailers?.get('grpc-message'), 'ok');
    assert.deepEqual(seen, { authority: 'svc.test', method: 'POST', path: '/pkg.Svc/Call', body: 'request' });
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('h2c: a trailers-only gRPC answer exposes grpc-status at the head', async () => {
  const upstream = await h2cUpstream((stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'unavailable' }, { endStream: true });
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('grpc', { http2: true }), assignmentOf([upstream.endpoint]));
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('grpc', upstream.endpoint, { method: 'POST', path: '/pkg.Svc/Call' }), handler);
    const result = await answer;
    assert.equal(result.kind === 'response' && result.response.grpcStatus, 14);
    if (result.kind === 'response') await readText(result.response.body);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('h2c: REFUSED_STREAM from the upstream is refused-stream', async () => {
  const upstream = await h2cUpstream((stream) => {
    // Node reports the refusal it sends as an error on its own stream too.
    stream.on('error', () => {});
    stream.close(h2.NGHTTP2_REFUSED_STREAM);
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('grpc', { http2: true }), assignmentOf([upstream.endpoint]));
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('grpc', upstream.endpoint), handler);
    const result = await answer;
    assert.equal(result.kind === 'failure' && result.failure, 'refused-stream', result.kind === 'failure' ? result.detail : 'answered');
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('h2c: cancel() resets the stream (RST_STREAM), which the upstream sees as aborted', async () => {
  const arrived = deferred();
  const aborted = deferred<boolean>();
  const upstream = await h2cUpstream((stream) => {
    stream.on('aborted', () => aborted.resolve(stream.session?.destroyed === false));
    arrived.resolve();
  });
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('grpc', { http2: true }), assignmentOf([upstream.endpoint]));
    const { handler, calls } = recorder();
    const control = transport.send(upstreamRequest('grpc', upstream.endpoint), handler);
    await arrived.promise;
    control.cancel();
    assert.equal(await aborted.promise, true, 'the stream was reset and the connection kept');
    assert.equal(calls(), 0);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('setCluster closes the pools of endpoints that left; a returning endpoint gets a new pool', async () => {
  const upstream = await httpUpstream((_req, res) => res.end('ok'));
  const transport = new HttpTransport();
  const roundTrip = async (): Promise<void> => {
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint), handler);
    const result = await answer;
    assert.equal(result.kind === 'response' && (await readText(result.response.body)), 'ok');
  };
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    await roundTrip();
    assert.equal(upstream.openConnections(), 1);
    transport.setCluster(httpCluster('svc'), assignmentOf([]));
    await upstream.allClosed();
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    await roundTrip();
    assert.equal(upstream.openConnections(), 1);
    await transport.close();
    await upstream.allClosed();
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('destroy() aborts requests in flight, on live pools and on pools still draining, and closes every connection', async () => {
  const arrived = [deferred(), deferred()];
  let count = 0;
  const upstream = await httpUpstream(() => arrived[count++]?.resolve());
  const other = await httpUpstream(() => arrived[count++]?.resolve());
  const transport = new HttpTransport();
  try {
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint, other.endpoint]));
    const first = recorder();
    const second = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint), first.handler);
    transport.send(upstreamRequest('svc', other.endpoint), second.handler);
    await Promise.all(arrived.map((a) => a.promise));
    transport.setCluster(httpCluster('svc'), assignmentOf([upstream.endpoint]));
    await transport.destroy();
    const answers = await Promise.all([first.answer, second.answer]);
    assert.deepEqual(answers.map((a) => a.kind === 'failure' && a.failure), ['reset', 'reset']);
    await Promise.all([upstream.allClosed(), other.allClosed()]);
  } finally {
    await transport.destroy();
    await upstream.close();
    await other.close();
  }
});
