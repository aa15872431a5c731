// The undici error → LocalFailure mapping, on constructed errors.
import assert from 'node:assert/strict';
import test from 'node:test';
import { errors } from 'undici';
import { failureDetail, failureKind } from '../../../src/protocols/http/failure-kind.ts';
import { TlsHandshakeError } from '../../../src/protocols/http/tls-connector.ts';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

test('connection failures: refused, unresolvable, unreachable, and the connect timeout', () => {
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']) assert.equal(failureKind(withCode(code)), 'connect-failure', code);
  assert.equal(failureKind(new errors.ConnectTimeoutError()), 'connect-failure');
  assert.equal(failureKind(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'all failed')), 'connect-failure');
});

test('a failed TLS handshake is a connect failure, its detail naming the peer and the TLS reason', () => {
  const error = new TlsHandshakeError('10.0.0.1:443', withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'));
  assert.equal(failureKind(error), 'connect-failure');
  assert.equal(failureDetail(error), 'SIDELET_TLS_HANDSHAKE: TLS handshake with 10.0.0.1:443 failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate');
  assert.equal(failureKind(withCode('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')), 'reset', 'an alert after the handshake closes a connection in use');
});

test('HTTP/2 REFUSED_STREAM is refused-stream; resets, closed sockets and anything else are resets', () => {
  assert.equal(failureKind(withCode('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_REFUSED_STREAM')), 'refused-stream');
  assert.equal(failureKind(new errors.InformationalError('HTTP/2: "stream error" received - code 7')), 'refused-stream');
  assert.equal(failureKind(new errors.SocketError('other side closed')), 'reset');
  assert.equal(failureKind(withCode('ECONNRESET')), 'reset');
  assert.equal(failureKind(withCode('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_INTERNAL_ERROR')), 'reset');
  assert.equal(failureKind('not an error'), 'reset');
  assert.equal(failureDetail(withCode('ECONNRESET', 'read ECONNRESET')), 'ECONNRESET: read ECONNRESET');
});
