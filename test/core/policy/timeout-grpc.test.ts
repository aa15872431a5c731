// The grpc-timeout header: every unit, malformed values ignored, and formatting that fits 8 digits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGrpcTimeout, parseGrpcTimeout } from '../../../src/core/policy/timeout-grpc.ts';

test('parses each unit to ms', () => {
  assert.deepEqual(
    ['1H', '2M', '3S', '250m', '1500u', '2000000n'].map(parseGrpcTimeout),
    [3_600_000, 120_000, 3000, 250, 1.5, 2],
  );
});

test('malformed values are ignored', () => {
  for (const value of [undefined, '', '5', 'S', '123456789m', '1.5S', '-1S', '10s', '10 S']) {
    assert.equal(parseGrpcTimeout(value), undefined, String(value));
  }
});

test('formats in ms while it fits, then coarser units, always rounding up', () => {
  assert.equal(formatGrpcTimeout(250.2), '251m');
  assert.equal(formatGrpcTimeout(99_999_999), '99999999m');
  assert.equal(formatGrpcTimeout(100_000_001), '100001S');
  assert.equal(formatGrpcTimeout(-5), '0m');
  assert.equal(parseGrpcTimeout(formatGrpcTimeout(1234)), 1234);
});
