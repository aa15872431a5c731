// The HTTP transport to TLS upstreams, clusters decoded from their Envoy transport_socket: real
// node:https and node:http2 secure servers on 127.0.0.1 with the certificates of test/fixtures/tls.
// HTTP/1.1 and HTTP/2 over TLS (ALPN), mTLS, SNI, SAN matchers, and handshake failures as connect failures.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import test from 'node:test';
import { decodeCluster } from '../../../src/config/decode-cluster.ts';
import { decodeRetryPolicy } from '../../../src/config/decode-retry-policy.ts';
import { UPSTREAM_TLS_CONTEXT } from '../../../src/config/decode-tls.ts';
import { runAttempts } from '../../../src/core/call/attempt-loop.ts';
import { providerTimeouts } from '../../../src/core/call/call-plan.ts';
import { ClusterServices } from '../../../src/core/call/cluster-services.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { MeshError } from '../../../src/core/errors.ts';
import type { Cluster } from '../../../src/core/model/cluster.ts';
import { resolveTimeouts } from '../../../src/core/policy/timeout-resolve.ts';
import { HttpTransport } from '../../../src/protocols/http/http-transport.ts';
import { localCluster } from '../../helpers/bootstrap-builders.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { type Answer, deferred, h2TlsUpstream, httpsUpstream, readText, recorder, tlsFixturePath, type Upstream, upstreamRequest } from './servers.ts';

const TRUST_TEST_CA = { validation_context: { trusted_ca: { filename: tlsFixturePath('ca.pem') } } };
const CLIENT_CERT = { certificate_chain: { filename: tlsFixturePath('client.pem') }, private_key: { filename: tlsFixturePath('client.key') } };

/** A STATIC cluster of the upstreams with an UpstreamTlsContext, decoded as hand-written config. */
function tlsCluster(upstreams: readonly Upstream[], context: object, extra: object = {}): Cluster {
  const transportSocket = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS_CONTEXT, ...context } };
  return decodeCluster(localCluster('svc', upstreams.map((u) => u.port), { transport_socket: transportSocket, ...extra }), ['clusters', 0], { strict: true });
}

/** One request through a fresh transport; the body is read to the end. */
async function roundTrip(cluster: Cluster, upstream: Upstream): Promise<{ answer: Answer; text: string | undefined }> {
  const transport = new HttpTransport();
  try {
    transport.setCluster(cluster, cluster.loadAssignment!);
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint, { path: '/tls' }), handler);
    const result = await answer;
    return { answer: result, text: result.kind === 'response' ? await readText(result.response.body) : undefined };
  } finally {
    await transport.close();
  }
}

function describeRequest(req: IncomingMessage | Http2ServerRequest): string {
  const socket = req.socket as TLSSocket;
  return `${req.httpVersion} ${socket.alpnProtocol || '-'} ${socket.servername || '-'} ${req.headers.host ?? req.headers[':authority']} ${req.url}`;
}

test('HTTP/1.1 over TLS: the upstream is verified against trusted_ca, gets the SNI, and answers', async () => {
  const upstream = await httpsUpstream((req, res) => res.end(describeRequest(req)));
  try {
    const { answer, text } = await roundTrip(tlsCluster([upstream], { sni: 'localhost', common_tls_context: TRUST_TEST_CA }), upstream);
    assert.equal(answer.kind, 'response');
    assert.equal(text, '1.1 http/1.1 localhost svc.test /tls');
  } finally {
    await upstream.close();
  }
});

test('HTTP/2 over TLS: alpn_protocols h2 speaks HTTP/2 to a secure HTTP/2 server', async () => {
  const upstream = await h2TlsUpstream((req, res) => res.end(describeRequest(req)));
  try {
    const cluster = tlsCluster([upstream], { common_tls_context: { ...TRUST_TEST_CA, alpn_protocols: ['h2'] } });
    const { answer, text } = await roundTrip(cluster, upstream);
    assert.equal(answer.kind, 'response');
    assert.equal(text, '2.0 h2 - svc.test /tls');
  } finally {
    await upstream.close();
  }
});

test('an HTTP/2 cluster (http2_protocol_options) over TLS offers h2 without alpn_protocols', async () => {
  const upstream = await h2TlsUpstream((req, res) => res.end(describeRequest(req)));
  try {
    const cluster = tlsCluster([upstream], { common_tls_context: TRUST_TEST_CA }, { http2_protocol_options: {} });
    assert.equal((await roundTrip(cluster, upstream)).text, '2.0 h2 - svc.test /tls');
  } finally {
    await upstream.close();
  }
});

test('alpn_protocols [h2, http/1.1]: each upstream picks; HTTP/2 connections carry several requests at once', async () => {
  const held: (() => void)[] = [];
  const allHeld = deferred();
  const h2 = await h2TlsUpstream(
    (req, res) => {
      held.push(() => res.end(describeRequest(req)));
      if (held.length === 3) allHeld.resolve();
    },
    { allowHTTP1: true },
  );
  const h1 = await httpsUpstream((req, res) => res.end(describeRequest(req)));
  const transport = new HttpTransport();
  try {
    const cluster = tlsCluster([h2, h1], { common_tls_context: { ...TRUST_TEST_CA, alpn_protocols: ['h2', 'http/1.1'] } }, {
      circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 10 }] },
    });
    transport.setCluster(cluster, cluster.loadAssignment!);
    const calls = [1, 2, 3].map(() => {
      const r = recorder();
      transport.send(upstreamRequest('svc', h2.endpoint, { path: '/tls' }), r.handler);
      return r.answer;
    });
    // One connection (max_connections 1), three requests in flight on it before any answer.
    await allHeld.promise;
    assert.equal(h2.openConnections(), 1);
    for (const release of held) release();
    for (const answer of await Promise.all(calls)) assert.equal(answer.kind === 'response' && (await readText(answer.response.body)), '2.0 h2 - svc.test /tls');

    const r = recorder();
    transport.send(upstreamRequest('svc', h1.endpoint, { path: '/tls' }), r.handler);
    const answer = await r.answer;
    assert.equal(answer.kind === 'response' && (await readText(answer.response.body)), '1.1 http/1.1 - svc.test /tls');
  } finally {
    await transport.close();
    await h2.close();
    await h1.close();
  }
});

test('mTLS: the client certificate of tls_certificates is presented to a server that requires one', async () => {
  let served = 0;
  const upstream = await httpsUpstream(
    (req, res) => {
      served++;
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(`client ${peer.subject?.CN}`);
    },
    { requireClientCert: true },
  );
  try {
    const cluster = tlsCluster([upstream], { common_tls_context: { ...TRUST_TEST_CA, tls_certificates: [CLIENT_CERT] } });
    assert.equal((await roundTrip(cluster, upstream)).text, 'client sidelet-client');

    // Without one, TLS 1.2 fails the handshake itself: a connect failure.
    const tls12 = { tls_params: { tls_maximum_protocol_version: 'TLSv1_2' } };
    const refused = await roundTrip(tlsCluster([upstream], { common_tls_context: { ...TRUST_TEST_CA, ...tls12 } }), upstream);
    assert.equal(refused.answer.kind === 'failure' && refused.answer.failure, 'connect-failure');
    // Under TLS 1.3 the server's verdict comes after the client's side of the handshake, as an
    // alert that closes the connection under the request: a reset, as Envoy sees it too.
    const late = await roundTrip(tlsCluster([upstream], { common_tls_context: TRUST_TEST_CA }), upstream);
    assert.equal(late.answer.kind === 'failure' && late.answer.failure, 'reset');
    assert.equal(served, 1, 'no request without the certificate reached the server');
  } finally {
    await upstream.close();
  }
});

test('mTLS: an encrypted private key loads with its password', async () => {
  const upstream = await httpsUpstream((req, res) => res.end(`client ${(req.socket as TLSSocket).getPeerCertificate().subject?.CN}`), { requireClientCert: true });
  try {
    const certificate = { ...CLIENT_CERT, private_key: { filename: tlsFixturePath('client-encrypted.key') }, password: { inline_string: 'sidelet' } };
    const cluster = tlsCluster([upstream], { common_tls_context: { ...TRUST_TEST_CA, tls_certificates: [certificate] } });
    assert.equal((await roundTrip(cluster, upstream)).text, 'client sidelet-client');
  } finally {
    await upstream.close();
  }
});

test('an upstream whose certificate trusted_ca does not sign fails as a connect failure naming the reason', async () => {
  const upstream = await httpsUpstream((_req, res) => res.end('must not be reached'), { identity: 'other-server' });
  try {
    const { answer } = await roundTrip(tlsCluster([upstream], { common_tls_context: TRUST_TEST_CA }), upstream);
    assert.equal(answer.kind, 'failure');
    if (answer.kind !== 'failure') return;
    assert.equal(answer.failure, 'connect-failure');
    assert.match(answer.detail, /^SIDELET_TLS_HANDSHAKE: TLS handshake with 127\.0\.0\.1:\d+ failed: \w+/);
  } finally {
    await upstream.close();
  }
});

test('without trusted_ca the default root store applies, so a private CA is refused; ACCEPT_UNTRUSTED skips the check', async () => {
  const upstream = await httpsUpstream((_req, res) => res.end('reached'), { identity: 'other-server' });
  try {
    const { answer } = await roundTrip(tlsCluster([upstream], {}), upstream);
    assert.equal(answer.kind === 'failure' && answer.failure, 'connect-failure');
    const lax = tlsCluster([upstream], { common_tls_context: { validation_context: { trust_chain_verification: 'ACCEPT_UNTRUSTED' } } });
    assert.equal((await roundTrip(lax, upstream)).text, 'reached');
  } finally {
    await upstream.close();
  }
});

test('the host name check: against the SNI when set, else the endpoint address (the certificate has IP SAN 127.0.0.1)', async () => {
  const upstream = await httpsUpstream((_req, res) => res.end('ok'));
  try {
    assert.equal((await roundTrip(tlsCluster([upstream], { common_tls_context: TRUST_TEST_CA }), upstream)).text, 'ok');
    const { answer } = await roundTrip(tlsCluster([upstream], { sni: 'orders.example', common_tls_context: TRUST_TEST_CA }), upstream);
    assert.equal(answer.kind === 'failure' && answer.failure, 'connect-failure');
    assert.match(answer.kind === 'failure' ? answer.detail : '', /ERR_TLS_CERT_ALTNAME_INVALID/);
  } finally {
    await upstream.close();
  }
});

test('match_typed_subject_alt_names replaces the host name check: a URI SAN matches, a wrong one refuses', async () => {
  const upstream = await httpsUpstream((_req, res) => res.end('ok'));
  const withSans = (matchers: object[]) =>
    tlsCluster([upstream], { sni: 'orders.example', common_tls_context: { validation_context: { ...TRUST_TEST_CA.validation_context, match_typed_subject_alt_names: matchers } } });
  try {
    const good = withSans([{ san_type: 'URI', matcher: { prefix: 'spiffe://sidelet.test/ns/default/sa/' } }]);
    assert.equal((await roundTrip(good, upstream)).text, 'ok');
    const ipv6 = withSans([{ san_type: 'IP_ADDRESS', matcher: { exact: '::1' } }]);
    assert.equal((await roundTrip(ipv6, upstream)).text, 'ok');
    const wrong = withSans([{ san_type: 'DNS', matcher: { exact: 'spiffe://sidelet.test/ns/default/sa/server' } }]);
    const { answer } = await roundTrip(wrong, upstream);
    assert.equal(answer.kind === 'failure' && answer.failure, 'connect-failure');
    assert.match(answer.kind === 'failure' ? answer.detail : '', /match none of match_typed_subject_alt_names/);
  } finally {
    await upstream.close();
  }
});

test('an HTTP/2 cluster whose upstream only speaks http/1.1 over ALPN fails to connect, saying so', async () => {
  const upstream = await httpsUpstream((_req, res) => res.end('h1'), { alpn: ['http/1.1'] });
  try {
    const cluster = tlsCluster([upstream], { common_tls_context: { ...TRUST_TEST_CA, alpn_protocols: ['h2', 'http/1.1'] } }, { http2_protocol_options: {} });
    const { answer } = await roundTrip(cluster, upstream);
    assert.equal(answer.kind === 'failure' && answer.failure, 'connect-failure');
    assert.match(answer.kind === 'failure' ? answer.detail : '', /chose http\/1\.1/);
  } finally {
    await upstream.close();
  }
});

test('a change of TLS settings replaces the pools; an equal config decoded again keeps them', async () => {
  const upstream = await httpsUpstream((_req, res) => res.end('ok'));
  const transport = new HttpTransport();
  try {
    const send = async (cluster: Cluster): Promise<Answer> => {
      transport.setCluster(cluster, cluster.loadAssignment!);
      const r = recorder();
      transport.send(upstreamRequest('svc', upstream.endpoint), r.handler);
      const answer = await r.answer;
      if (answer.kind === 'response') await readText(answer.response.body);
      // undici marks the connection free again (drain) just after the body ends.
      await new Promise((resolve) => setImmediate(resolve));
      return answer;
    };
    assert.equal((await send(tlsCluster([upstream], { common_tls_context: TRUST_TEST_CA }))).kind, 'response');
    assert.equal((await send(tlsCluster([upstream], { common_tls_context: TRUST_TEST_CA }))).kind, 'response');
    assert.equal(upstream.openConnections(), 1, 'the same pool (and connection) after an equal update');
    const untrusting = await send(tlsCluster([upstream], { common_tls_context: { validation_context: { trusted_ca: { filename: tlsFixturePath('other-ca.pem') } } } }));
    assert.equal(untrusting.kind === 'failure' && untrusting.failure, 'connect-failure');
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('through the attempt loop: an untrusted upstream is a retriable SIDELET_CONNECT_FAILURE, and the retry reaches a trusted one', async () => {
  const untrusted = await httpsUpstream((_req, res) => res.end('must not be reached'), { identity: 'other-server' });
  const trusted = await httpsUpstream((_req, res) => res.end('trusted'));
  const transport = new HttpTransport();
  const random = seededRandom(2);
  const run = (cluster: Cluster, retryPolicy: object) => {
    transport.setCluster(cluster, cluster.loadAssignment!);
    const services = new ClusterServices(cluster, cluster.loadAssignment!, { clock: systemClock, random });
    const retry = decodeRetryPolicy(retryPolicy, ['retry_policy'], { strict: true });
    const plan = { method: 'GET', path: '/', authority: 'svc.test', headers: new Map(), retry, hedge: undefined, backups: undefined, timeouts: resolveTimeouts({ provider: providerTimeouts(undefined, retry) }), bodyReplayable: true, requestRetriable: true };
    return runAttempts(plan, { clock: systemClock, random, wallNow: Date.now, transport, cluster: services });
  };
  try {
    const alone = tlsCluster([untrusted], { common_tls_context: TRUST_TEST_CA });
    const error = await run(alone, { num_retries: 0 }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof MeshError && error.code === 'SIDELET_CONNECT_FAILURE' && error.retriable && error.responseFlag === 'UF', String(error));
    assert.match(error.message, /SIDELET_TLS_HANDSHAKE/);

    const both = tlsCluster([untrusted, trusted], { common_tls_context: TRUST_TEST_CA });
    const retryOnConnectFailure = { retry_on: 'connect-failure', num_retries: 1, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }] };
    // Whichever host the balancer picks first, at most one retry reaches the trusted one.
    for (let i = 0; i < 2; i++) {
      const result = await run(both, retryOnConnectFailure);
      assert.equal(await readText(result.response.body), 'trusted');
    }
  } finally {
    await transport.close();
    await untrusted.close();
    await trusted.close();
  }
});

test('a TLS config built in code whose key does not load fails each send as a connect failure, not the snapshot', async () => {
  const upstream = await httpsUpstream((_req, res) => res.end('unreached'));
  const transport = new HttpTransport();
  try {
    const decoded = tlsCluster([upstream], { common_tls_context: TRUST_TEST_CA });
    const broken: Cluster = { ...decoded, tls: { ...decoded.tls!, clientCertificate: { certificateChain: 'not PEM', privateKey: 'not PEM', password: undefined } } };
    transport.setCluster(broken, broken.loadAssignment!);
    const { handler, answer } = recorder();
    transport.send(upstreamRequest('svc', upstream.endpoint), handler);
    const result = await answer;
    assert.equal(result.kind === 'failure' && result.failure, 'connect-failure');
    assert.match(result.kind === 'failure' ? result.detail : '', /cluster "svc": its TLS certificates do not load: /);
  } finally {
    await transport.close();
    await upstream.close();
  }
});
