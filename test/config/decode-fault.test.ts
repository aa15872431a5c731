// Decoding HTTPFault: delay and abort sources, percentages with their denominator, scoping fields, strict errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFault } from '../../src/config/decode-fault.ts';

const strict = { strict: true };

test('fixed delay, HTTP abort, scoping and max_active_faults', () => {
  const config = decodeFault(
    {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      delay: { fixed_delay: '0.25s', percentage: { numerator: 5, denominator: 'TEN_THOUSAND' } },
      abort: { http_status: 503, percentage: { numerator: 10 } },
      upstream_cluster: 'reviews',
      headers: [{ name: 'X-Chaos', exact_match: 'on' }],
      downstream_nodes: ['web-1'],
      max_active_faults: 20,
      abort_percent_runtime: 'fault.abort',
    },
    ['fault'],
    strict,
  );
  assert.deepEqual(config.delay, { source: { kind: 'fixed', ms: 250 }, percentage: { numerator: 5, denominator: 10_000 } });
  assert.deepEqual(config.abort, { source: { kind: 'http', status: 503 }, percentage: { numerator: 10, denominator: 100 } });
  assert.equal(config.upstreamCluster, 'reviews');
  assert.equal(config.headers[0]?.name, 'x-chaos');
  assert.deepEqual(config.downstreamNodes, ['web-1']);
  assert.equal(config.maxActiveFaults, 20);
});

test('header-controlled faults, gRPC aborts, and 0 % without a percentage (the proto default)', () => {
  const config = decodeFault({ delay: { header_delay: {}, percentage: { numerator: 100 } }, abort: { header_abort: {} } }, ['f'], strict);
  assert.deepEqual(config.delay?.source, { kind: 'header' });
  assert.deepEqual(config.abort, { source: { kind: 'header' }, percentage: { numerator: 0, denominator: 100 } });
  assert.deepEqual(decodeFault({ abort: { grpc_status: 14, percentage: { numerator: 1 } } }, ['f'], strict).abort?.source, { kind: 'grpc', grpcStatus: 14 });
  assert.equal(decodeFault({}, ['f'], strict).maxActiveFaults, undefined);
});

test('errors name the path', () => {
  assert.throws(() => decodeFault({ abort: { http_status: 700 } }, ['f'], strict), { message: 'f.abort.http_status: must be at most 599, got 700' });
  assert.throws(() => decodeFault({ abort: { percentage: { numerator: 1 } } }, ['f'], strict), { message: 'f.abort.http_status: one of http_status, grpc_status or header_abort is required' });
  assert.throws(() => decodeFault({ abort: { http_status: 500, grpc_status: 1 } }, ['f'], strict), { message: 'f.abort: only one abort error type may be set, found http_status and grpc_status' });
  assert.throws(() => decodeFault({ delay: { percentage: { numerator: 1 } } }, ['f'], strict), { message: 'f.delay.fixed_delay: one of fixed_delay or header_delay is required' });
  assert.throws(() => decodeFault({ delay: { fixed_delay: '1s', percentage: { numerator: 1, denominator: 'THOUSAND' } } }, ['f'], strict), /f\.delay\.percentage\.denominator: unknown value "THOUSAND"/);
  assert.throws(() => decodeFault({ response_rate_limit: { fixed_limit: { limit_kbps: 1 } } }, ['f'], strict), { message: 'f.response_rate_limit: response rate limiting faults are not supported' });
  assert.throws(() => decodeFault({ downstream_nodes: [''] }, ['f'], strict), { message: 'f.downstream_nodes[0]: expected a non-empty string, got the string ""' });
  assert.throws(() => decodeFault({ delays: {} }, ['f'], strict), { message: 'f.delays: unknown field' });
});
