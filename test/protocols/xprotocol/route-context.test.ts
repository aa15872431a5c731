// Decoded request frames routed by the core router: service as the authority, /service/method
// as the path, every meta a header for header matchers.
import assert from 'node:assert/strict';
import test from 'node:test';
import { compileRouteTable, route } from '../../../src/core/router/index.ts';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import type { XProtocolCodec } from '../../../src/protocols/xprotocol/codec.ts';
import type { XFrame } from '../../../src/protocols/xprotocol/frame.ts';
import { frameRouteContext, methodName, serviceName } from '../../../src/protocols/xprotocol/route-context.ts';
import { exact, exactPath, headerMatcher, makeConfig, makeRoute, makeVirtualHost, prefix, routeMatch, stringRule, toCluster } from '../../core/router/fixtures.ts';
import { boltRequest, ECHO_REQUEST, echoProto, V1 } from '../bolt/fixtures.ts';
import { dubboRequest } from '../dubbo/fixtures.ts';

const table = compileRouteTable(
  makeConfig([
    makeVirtualHost('orders', ['com.example.OrderService'], [
      makeRoute('v2', routeMatch(prefix('/'), { headers: [headerMatcher('version', stringRule(exact('2.0.0')))] }), toCluster('orders-v2')),
      makeRoute('gold-place', routeMatch(exactPath('/com.example.OrderService/place'), { headers: [headerMatcher('group', stringRule(exact('gold')))] }), toCluster('orders-gold')),
      makeRoute('rest', routeMatch(prefix('/')), toCluster('orders')),
    ]),
    makeVirtualHost('echo', ['com.example.EchoService:1.0'], [
      makeRoute('from-app', routeMatch(prefix('/'), { headers: [headerMatcher('sofa_head_target_app', stringRule(exact('echo-app')))] }), toCluster('echo-app')),
      makeRoute('rest', routeMatch(prefix('/com.example.EchoService:1.0/')), toCluster('echo')),
    ]),
  ]),
);

function frameOf(codec: XProtocolCodec, bytes: Buffer): XFrame {
  const decoded = codec.decode(bytes);
  if (decoded.kind === 'error') assert.fail(decoded.reason);
  return decoded.frame;
}

function clusterFor(frame: XFrame): string {
  const decision = route(table, frameRouteContext(frame, Math.random));
  return decision.kind === 'forward' ? decision.cluster : decision.kind;
}

test('the route context of a request frame: service, /service/method, POST, the frame headers', () => {
  const frame = frameOf(dubboCodec, dubboRequest({ service: 'com.example.OrderService', method: 'place' }));
  const ctx = frameRouteContext(frame, Math.random);
  assert.deepEqual([ctx.authority, ctx.path, ctx.method], ['com.example.OrderService', '/com.example.OrderService/place', 'POST']);
  assert.equal(ctx.headers, frame.headers);
  assert.deepEqual([serviceName(frame), methodName(frame)], ['com.example.OrderService', 'place']);
});

test('Dubbo requests route on version, group and method', () => {
  assert.equal(clusterFor(frameOf(dubboCodec, dubboRequest({ service: 'com.example.OrderService', version: '2.0.0' }))), 'orders-v2');
  assert.equal(clusterFor(frameOf(dubboCodec, dubboRequest({ service: 'com.example.OrderService', method: 'place', group: 'gold' }))), 'orders-gold');
  assert.equal(clusterFor(frameOf(dubboCodec, dubboRequest({ service: 'com.example.OrderService', method: 'cancel', group: 'gold' }))), 'orders');
  assert.equal(clusterFor(frameOf(dubboCodec, dubboRequest({ service: 'com.example.Unknown' }))), 'no_route');
});

test('Bolt requests route on the SOFA service name and the header map', () => {
  const protobufRequest = { ...ECHO_REQUEST, args: [{ message: 'hi' }], targetAppName: 'echo-app' };
  assert.equal(clusterFor(frameOf(boltCodec, boltRequest(1, protobufRequest, { ...V1, codecType: 'protobuf', proto: echoProto }))), 'echo-app');
  assert.equal(clusterFor(frameOf(boltCodec, boltRequest(2, ECHO_REQUEST, V1))), 'echo');
});
