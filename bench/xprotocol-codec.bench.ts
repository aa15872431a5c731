// x-protocol codecs, per protocol: frames per second through decode, route (the core router on
// the frame's metas) and the request-id rewrite a forwarding proxy makes, against a baseline of
// copying the same frames' bytes — the least a proxy does with a frame. Frames come from real
// peers (dubbo2.js, sofa-bolt-node).
import { compileRouteTable, route } from '../src/core/router/index.ts';
import type { Route } from '../src/core/model/route.ts';
import { boltCodec } from '../src/protocols/bolt/bolt-codec.ts';
import { dubboCodec } from '../src/protocols/dubbo/dubbo-codec.ts';
import type { XProtocolCodec } from '../src/protocols/xprotocol/codec.ts';
import type { XFrame } from '../src/protocols/xprotocol/frame.ts';
import { FrameReader } from '../src/protocols/xprotocol/frame-reader.ts';
import { frameRouteContext } from '../src/protocols/xprotocol/route-context.ts';
import { exact, headerMatcher, makeConfig, makeRoute, makeVirtualHost, prefix, routeMatch, stringRule, toCluster } from '../test/core/router/fixtures.ts';
import { boltRequest, ECHO_REQUEST, echoServicesProto, V1, V2_CRC } from '../test/protocols/bolt/fixtures.ts';
import { dubboRequest, java } from '../test/protocols/dubbo/fixtures.ts';
import { keep, report, type Sample, timeOps, type TimeOptions } from './harness.ts';

const MAX_PAYLOAD = 8 * 1024 * 1024;
const FRAMES = 64; // a power of two: frames[n & MASK]
const MASK = FRAMES - 1;
const SERVICES = 16;

const dubboService = (i: number) => `com.example.Service${i % SERVICES}`;
const boltService = (i: number) => `com.example.Service${i % SERVICES}:1.0`;

/** Per service: a version canary, an exact method, a catch-all — the shapes route-match.bench.ts times for HTTP. */
function routesFor(service: string, versionHeader: string, version: string): Route[] {
  return [
    makeRoute('canary', routeMatch(prefix('/'), { headers: [headerMatcher(versionHeader, stringRule(exact(version)))] }), toCluster(`${service}-canary`)),
    makeRoute('query', routeMatch(prefix(`/${service}/query`)), toCluster(`${service}-query`)),
    makeRoute('rest', routeMatch(prefix('/')), toCluster(service)),
  ];
}

const table = compileRouteTable(
  makeConfig([
    ...Array.from({ length: SERVICES }, (_, i) => makeVirtualHost(`dubbo-${i}`, [dubboService(i)], routesFor(dubboService(i), 'version', '2.0.0'))),
    ...Array.from({ length: SERVICES }, (_, i) => makeVirtualHost(`bolt-${i}`, [boltService(i)], routesFor(boltService(i), 'sofa_head_target_app', 'canary-app'))),
  ]),
);

// Typical calls: a few arguments including an object, the usual attachments or header map.
const dubboFrames = Array.from({ length: FRAMES }, (_, i) =>
  dubboRequest({
    id: i + 1,
    service: dubboService(i),
    version: i % 4 === 0 ? '2.0.0' : '1.0.0',
    method: i % 3 === 0 ? 'query' : 'update',
    group: 'default',
    timeout: 3000,
    args: [java.String(`order-${i}`), java.int(i), java('com.example.Order', { id: java.long(i), items: java.List(['a', 'b', 'c']), note: 'x'.repeat(64) })],
    attachments: { 'trace-id': `t-${i}`, 'x-tenant': 'acme' },
  }),
);
const proto = echoServicesProto(Array.from({ length: SERVICES }, (_, i) => `Service${i}`));
const boltFrames = Array.from({ length: FRAMES }, (_, i) => {
  const request = { ...ECHO_REQUEST, serverSignature: boltService(i), methodName: i % 3 === 0 ? 'query' : 'echo', timeout: 3000 };
  if (i % 2 === 0) return boltRequest(i + 1, request, i % 4 === 0 ? V2_CRC : V1);
  // protobuf requests carry SOFA's full header map (method, target app, trace props)
  const withHeaders = { ...request, args: [{ message: `m-${i}` }], targetAppName: i % 4 === 1 ? 'canary-app' : 'caller-app', requestProps: { rpc_trace_context: { sofaTraceId: `t-${i}` } } };
  return boltRequest(i + 1, withHeaders, { ...V1, codecType: 'protobuf', proto });
});

/**
 * timeOps plus the CPU time (user + system) per call: this machine's cores are shared, and
 * wall-clock figures move with the neighbours' load while CPU time mostly does not.
 */
function timeWithCpu(name: string, fn: (i: number) => unknown, options?: TimeOptions): Sample & { readonly cpuNs: number } {
  let calls = 0;
  const start = process.cpuUsage();
  const sample = timeOps(
    name,
    (i) => {
      calls++;
      return fn(i);
    },
    options,
  );
  const used = process.cpuUsage(start);
  return { ...sample, cpuNs: ((used.user + used.system) * 1000) / calls };
}

function run(name: string, codec: XProtocolCodec, frames: Buffer[]): void {
  let forwarded = 0;
  for (const bytes of frames) {
    const decoded = codec.decode(bytes);
    if (decoded.kind === 'error') throw new Error(decoded.reason);
    if (route(table, frameRouteContext(decoded.frame, Math.random)).kind === 'forward') forwarded++;
  }
  if (forwarded !== frames.length) throw new Error(`${name}: only ${forwarded} of ${frames.length} frames routed`);
  const bytes = frames.reduce((sum, f) => sum + f.length, 0) / frames.length;

  const baseline = timeWithCpu('baseline: Buffer.from(frame)', (n) => Buffer.from(frames[n & MASK]!));
  const decodeOnly = timeWithCpu('frameLength + decode', (n) => {
    const frame = frames[n & MASK]!;
    codec.frameLength(frame, MAX_PAYLOAD);
    return codec.decode(frame);
  });
  const pipeline = timeWithCpu('decode + route + setRequestId', (n) => {
    const frame = frames[n & MASK]!;
    codec.frameLength(frame, MAX_PAYLOAD);
    const decoded = codec.decode(frame);
    if (decoded.kind === 'error') return decoded;
    const decision = route(table, frameRouteContext(decoded.frame, Math.random));
    codec.setRequestId(frame, n + 1);
    return decision;
  });

  // The same pipeline behind a FrameReader fed the frames as a socket would, in 64 KiB chunks.
  const stream = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += 64 * 1024) chunks.push(stream.subarray(at, at + 64 * 1024));
  const reader = new FrameReader(codec);
  let routed: unknown;
  const onFrame = (frame: XFrame) => {
    routed = route(table, frameRouteContext(frame, Math.random));
    codec.setRequestId(frame.bytes, 7);
  };
  const streamed = timeWithCpu(
    `FrameReader + route + setRequestId (${FRAMES} frames a pass)`,
    () => {
      for (const chunk of chunks) reader.push(chunk, onFrame);
    },
    { batch: 20, batches: 200 },
  );
  keep(routed);

  report(`x-protocol ${name}: ${FRAMES} request frames, ${Math.round(bytes)} bytes on average`, baseline, [decodeOnly, pipeline, streamed], [
    `frames/s: decode ${fmt(decodeOnly.opsPerSec)}, decode + route + rewrite ${fmt(pipeline.opsPerSec)}, through the reader ${fmt(streamed.opsPerSec * FRAMES)} (baseline copies ${fmt(baseline.opsPerSec)})`,
    `CPU per frame: decode ${micros(decodeOnly.cpuNs)}, decode + route + rewrite ${micros(pipeline.cpuNs)}, through the reader ${micros(streamed.cpuNs / FRAMES)} (baseline ${micros(baseline.cpuNs)})` +
      ` — ${fmt(1e9 / pipeline.cpuNs)} frames per CPU-second decoded, routed and rewritten`,
  ]);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const micros = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;

run('Dubbo (hessian2, 3 arguments, 7 attachments)', dubboCodec, dubboFrames);
run('Bolt (v1 and v2+CRC hessian2, v1 protobuf with header maps)', boltCodec, boltFrames);
