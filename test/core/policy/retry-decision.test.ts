// The loop's retry rules on top of the classification: committed responses, replayability,
// retriable_request_headers, num_retries and the budget hook, and previous-host exclusion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_RETRY_POLICY, type RetryPolicyConfig } from '../../../src/core/model/policy-retry.ts';
import type { AttemptOutcome } from '../../../src/core/policy/retry-classifier.ts';
import { decideRetry, type RetryContext } from '../../../src/core/policy/retry-decision.ts';
import { retryExclusions } from '../../../src/core/policy/retry-hosts.ts';

const policy: RetryPolicyConfig = { ...NO_RETRY_POLICY, retryOn: new Set(['5xx']), numRetries: 2 };
const failed: AttemptOutcome = { kind: 'response', status: 503, headers: () => undefined };
const ok: AttemptOutcome = { kind: 'response', status: 200, headers: () => undefined };

function ctx(over: Partial<RetryContext> = {}): RetryContext {
  return { retriesDone: 0, responseStarted: false, bodyReplayable: true, requestRetriable: true, canRetry: () => true, ...over };
}

test('a retriable outcome with everything allowing it is retried', () => {
  assert.equal(decideRetry(policy, failed, ctx()), 'retry');
  assert.equal(decideRetry(policy, failed, ctx({ retriesDone: 1 })), 'retry');
});

test('each rule blocks the retry with its own verdict', () => {
  assert.equal(decideRetry(policy, ok, ctx()), 'not-retriable');
  assert.equal(decideRetry(policy, failed, ctx({ responseStarted: true })), 'response-started');
  assert.equal(decideRetry(policy, failed, ctx({ bodyReplayable: false })), 'body-not-replayable');
  assert.equal(decideRetry(policy, failed, ctx({ requestRetriable: false })), 'request-not-retriable');
  assert.equal(decideRetry(policy, failed, ctx({ retriesDone: 2 })), 'limit-exceeded');
  assert.equal(decideRetry(policy, failed, ctx({ canRetry: () => false })), 'budget-exhausted');
  assert.equal(decideRetry(NO_RETRY_POLICY, failed, ctx()), 'not-retriable');
});

test('the budget hook is asked only when everything else allows a retry', () => {
  let asked = 0;
  const canRetry = () => {
    asked++;
    return true;
  };
  decideRetry(policy, ok, ctx({ canRetry }));
  decideRetry(policy, failed, ctx({ canRetry, retriesDone: 2 }));
  decideRetry(policy, failed, ctx({ canRetry, bodyReplayable: false }));
  assert.equal(asked, 0);
  decideRetry(policy, failed, ctx({ canRetry }));
  assert.equal(asked, 1);
});

test('previous_hosts excludes the tried hosts from a retry; without it nothing is excluded', () => {
  const tried = new Set(['10.0.0.1:80', '10.0.0.2:80']);
  assert.deepEqual([...retryExclusions({ ...policy, avoidPreviousHosts: true }, tried)], [...tried]);
  assert.equal(retryExclusions(policy, tried).size, 0);
  assert.equal(retryExclusions({ ...policy, avoidPreviousHosts: true, hostSelectionRetryMaxAttempts: 0 }, tried).size, 0);
});
