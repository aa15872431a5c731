// The ADS client's reconnect policy on a fake clock: back-off delays with jitter between
// attempts, reset after a stream got a response, and resubscription with the ACKed version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdsClient } from '../../src/xds/ads-client.ts';
import type { AdsStreamHandlers, AdsTransport, DiscoveryRequest } from '../../src/xds/ads-transport.ts';
import { CLUSTER } from '../../src/xds/resource-types.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const NODE = { id: 'n', cluster: '', metadata: {}, locality: { region: '', zone: '', subZone: '' } };

function fakeTransport(): AdsTransport & { opened: number; handlers: AdsStreamHandlers[]; sent: DiscoveryRequest[] } {
  const t = {
    opened: 0,
    handlers: [] as AdsStreamHandlers[],
    sent: [] as DiscoveryRequest[],
    open(handlers: AdsStreamHandlers) {
      t.opened++;
      t.handlers.push(handlers);
      return { send: (r: DiscoveryRequest) => t.sent.push(r), close: () => {} };
    },
    close() {},
  };
  return t;
}

test('failed attempts back off 100, 200, 400 ms (±10 %) and a response resets the back-off', () => {
  const clock = new FakeClock();
  const transport = fakeTransport();
  const client = new AdsClient({ transport, node: NODE, clock, random: seededRandom(9), backoff: { initialMs: 100, multiplier: 2, jitter: 0.1, maxMs: 1000 } });
  client.watch(CLUSTER, 'c', { onResource: () => {}, onDoesNotExist: () => {} });
  client.start();
  assert.equal(transport.opened, 1);
  for (const base of [100, 200, 400]) {
    transport.handlers.at(-1)!.onClose('UNAVAILABLE');
    const opened: number = transport.opened;
    clock.advance(base * 0.9 - 1);
    assert.equal(transport.opened, opened, `no attempt before ${base * 0.9} ms`);
    clock.advance(base * 0.2 + 1);
    assert.equal(transport.opened, opened + 1, `an attempt by ${base * 1.1} ms`);
  }
  transport.handlers.at(-1)!.onResponse({ version_info: 'v1', resources: [], type_url: CLUSTER.typeUrl, nonce: 'n1' });
  transport.handlers.at(-1)!.onClose('UNAVAILABLE');
  const opened: number = transport.opened;
  clock.advance(110);
  assert.equal(transport.opened, opened + 1, 'back to the initial delay after a response');
  const resubscribe = transport.sent.at(-1)!;
  assert.deepEqual([resubscribe.version_info, resubscribe.response_nonce, resubscribe.resource_names], ['v1', '', ['c']]);
  assert.ok(resubscribe.node !== undefined);
  client.close();
  assert.equal(clock.pending, 0);
});
