// Header conversions between the core's maps and undici, on constructed values.
import assert from 'node:assert/strict';
import test from 'node:test';
import { grpcStatusOf, headerMap, requestHeaders, trailerMap } from '../../../src/protocols/http/headers.ts';

test('request headers: authority as host, connection-specific and pseudo headers left out, te only as trailers', () => {
  const headers = new Map([
    ['host', 'other'],
    [':path', '/x'],
    ['connection', 'close'],
    ['transfer-encoding', 'chunked'],
    ['te', 'gzip'],
    ['x-a', '1'],
  ]);
  assert.deepEqual(requestHeaders(headers, 'svc'), ['host', 'svc', 'x-a', '1']);
  assert.deepEqual(requestHeaders(new Map([['te', 'trailers']]), 'svc'), ['host', 'svc', 'te', 'trailers']);
});

test('response headers: lower-cased, lists joined; grpc-status parsed; HTTP/2 trailers read from the raw object', () => {
  const map = headerMap({ 'X-A': 'v', 'set-cookie': ['a=1', 'b=2'], gone: undefined });
  assert.deepEqual([...map], [['x-a', 'v'], ['set-cookie', 'a=1, b=2']]);
  assert.equal(grpcStatusOf(new Map([['grpc-status', '14']])), 14);
  assert.equal(grpcStatusOf(new Map([['grpc-status', 'x']])), undefined);
  assert.deepEqual([...trailerMap({}, { 'grpc-status': '0' })], [['grpc-status', '0']]);
  assert.deepEqual([...trailerMap({ 'grpc-status': '2' }, ['grpc-status', '2'])], [['grpc-status', '2']]);
});
