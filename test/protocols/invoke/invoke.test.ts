// invoke() against scripted relays on a fake clock: the frame the relay is handed, each answer
// turned into the value or its typed error, relay failures passed through, the caller's timeout
// and signal aborting the relay, and bad options refused before anything is sent.
import assert from 'node:assert/strict';
import test from 'node:test';
import { invoke, type InvokeOptions, type Relay } from '../../../src/api/invoke.ts';
import { RpcError, RpcServerError } from '../../../src/api/rpc-errors.ts';
import { MeshError } from '../../../src/core/errors.ts';
import { boltCodec } from '../../../src/protocols/bolt/bolt-codec.ts';
import { type DubboFrame, dubboCodec } from '../../../src/protocols/dubbo/dubbo-codec.ts';
import { builtinProtocols } from '../../../src/protocols/xprotocol/builtin-protocols.ts';
import type { XFrame } from '../../../src/protocols/xprotocol/frame.ts';
import { ProtocolRegistry } from '../../../src/protocols/xprotocol/registry.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { boltResponse, V1 } from '../bolt/fixtures.ts';
import { dubboFrameOf, dubboResponse, hessianBody, java } from '../dubbo/fixtures.ts';

const registry = builtinProtocols();
const ECHO: InvokeOptions = { protocol: 'dubbo', service: 'com.example.EchoService', method: 'echo', version: '1.0.0', args: ['hi'] };

/** A relay that records what it is handed and answers with `answer(frame)`. */
function scripted(answer: (frame: XFrame) => Buffer | Promise<Buffer>): Relay & { frames: XFrame[]; signals: AbortSignal[] } {
  const frames: XFrame[] = [];
  const signals: AbortSignal[] = [];
  const relay = async (frame: XFrame, signal: AbortSignal): Promise<Buffer> => {
    frames.push(frame);
    signals.push(signal);
    return answer(frame);
  };
  return Object.assign(relay, { frames, signals });
}

const never = (): Promise<Buffer> => new Promise(() => {});
const idOf = (frame: XFrame): bigint => frame.requestId as bigint;

test('the relay gets the decoded request frame; the answer is the returned value', async () => {
  const relay = scripted((frame) => dubboResponse(idOf(frame), 4, java.String('served'), { dubbo: '2.0.2' }));
  assert.equal(await invoke(relay, registry, { ...ECHO, group: 'g', timeout: 800, attachments: { tenant: 'acme' } }), 'served');
  const [frame] = relay.frames as [DubboFrame];
  assert.equal(frame.protocol, 'sidelet.protocol.dubbo');
  assert.equal(frame.kind, 'request');
  assert.equal(frame.timeoutMs, 800);
  assert.deepEqual(
    ['service', 'method', 'version', 'group', 'tenant'].map((name) => frame.headers.get(name)),
    ['com.example.EchoService', 'echo', '1.0.0', 'g', 'acme'],
  );
  assert.equal(relay.signals[0]!.aborted, false);
  await invoke(relay, registry, ECHO);
  assert.notEqual(relay.frames[1]!.requestId, frame.requestId, 'each call has an id of its own');
});

test('bolt: the frame carries the unique name, the wire version asked for, the timeout', async () => {
  const relay = scripted((frame) => boltResponse(frame.requestId as number, { appResponse: java.String('ok') }, V1));
  assert.equal(await invoke(relay, registry, { protocol: 'bolt', service: 'com.example.EchoService', method: 'echo', group: 'blue', args: ['x'], timeout: 300, boltProtocol: 'v2-crc', targetApp: 'echo-app' }), 'ok');
  const [frame] = relay.frames;
  assert.equal(frame!.headers.get('service'), 'com.example.EchoService:1.0:blue');
  assert.equal(frame!.headers.get('sofa_head_target_app'), 'echo-app');
  assert.equal(frame!.timeoutMs, 300);
  assert.deepEqual([frame!.bytes[0], frame!.bytes[1]], [2, 2]);
});

test('a business exception rejects with RpcError, a server error with RpcServerError', async () => {
  const thrown = scripted((frame) => dubboResponse(idOf(frame), 3, java.String('p1: fail() called'), {}));
  await assert.rejects(invoke(thrown, registry, { ...ECHO, method: 'fail', args: [] }), (error: unknown) => {
    assert.ok(error instanceof RpcError);
    assert.deepEqual([error.code, error.protocol, error.service, error.method, error.exceptionClass, error.remoteMessage], ['SIDELET_RPC_EXCEPTION', 'dubbo', 'com.example.EchoService', 'fail', '', 'p1: fail() called']);
    assert.equal(error.message, 'com.example.EchoService#fail threw an exception: p1: fail() called');
    return true;
  });
  const missing = scripted((frame) => dubboFrameOf(0x02, 60, idOf(frame), hessianBody('no such version')));
  await assert.rejects(invoke(missing, registry, ECHO), (error: unknown) => {
    assert.ok(error instanceof RpcServerError);
    assert.deepEqual([error.code, error.status, error.statusName, error.remoteMessage], ['SIDELET_RPC_SERVER_ERROR', 60, 'SERVICE_NOT_FOUND', 'no such version']);
    assert.equal(error.message, 'com.example.EchoService#echo: dubbo status 60 (SERVICE_NOT_FOUND): no such version');
    return true;
  });
});

test("a hijacked answer rejects with the MeshError it stands for; the relay's own MeshError passes through", async () => {
  const breaker = scripted((frame) => dubboCodec.hijack(frame as DubboFrame, 'SIDELET_BREAKER_OPEN', 'circuit breaker open for cluster echo')!);
  await assert.rejects(invoke(breaker, registry, ECHO), (error: unknown) => {
    assert.ok(error instanceof MeshError);
    assert.deepEqual([error.code, error.status, error.retriable, error.message], ['SIDELET_BREAKER_OPEN', 503, true, 'circuit breaker open for cluster echo']);
    return true;
  });
  const noRoute = scripted((frame) => boltCodec.hijack(frame as Parameters<typeof boltCodec.hijack>[0], 'SIDELET_NO_ROUTE', 'x')!);
  await assert.rejects(invoke(noRoute, registry, { ...ECHO, protocol: 'bolt' }), { name: 'MeshError', code: 'SIDELET_NO_ROUTE' });
  const failure = new MeshError('SIDELET_RUNTIME_FAILURE', 'worker died');
  await assert.rejects(
    invoke(() => Promise.reject(failure), registry, ECHO),
    (error: unknown) => error === failure,
  );
  await assert.rejects(
    invoke(() => {
      throw new Error('sync');
    }, registry, ECHO),
    /^Error: sync$/,
  );
});

test('an answer that is no readable response rejects with RpcServerError naming why', async () => {
  await assert.rejects(invoke(scripted(() => Buffer.from('garbage!garbage!')), registry, ECHO), {
    name: 'RpcServerError',
    status: undefined,
    message: 'com.example.EchoService#echo: an unreadable answer: dubbo header: 16 bytes do not start with a 16-byte header with magic 0xdabb',
  });
  await assert.rejects(invoke(scripted((frame) => frame.bytes), registry, ECHO), { name: 'RpcServerError', remoteMessage: 'the relay answered with a request frame, not a response' });
  await assert.rejects(invoke(async () => undefined, registry, ECHO), { name: 'RpcServerError', remoteMessage: 'the relay gave no answer to a two-way request' });
});

test('the timeout rejects with SIDELET_TIMEOUT and aborts the relay with it; an answer in time cancels the timer', async () => {
  const clock = new FakeClock();
  const relay = scripted(never);
  const call = invoke(relay, registry, { ...ECHO, timeout: 250 }, clock);
  await Promise.resolve();
  clock.advance(249);
  assert.equal(relay.signals[0]!.aborted, false);
  clock.advance(1);
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof MeshError);
    assert.equal(error.code, 'SIDELET_TIMEOUT');
    assert.equal(error.message, 'dubbo com.example.EchoService#echo: no answer within the 250 ms timeout');
    assert.equal(relay.signals[0]!.reason, error);
    return true;
  });
  const quick = scripted((frame) => dubboResponse(idOf(frame), 1, java.String('fast')));
  assert.equal(await invoke(quick, registry, { ...ECHO, timeout: 250 }, clock), 'fast');
  assert.equal(clock.pending, 0);
  assert.equal(await invoke(quick, registry, ECHO, clock), 'fast');
  assert.equal(clock.pending, 0, 'no timeout, no timer');
});

test("the caller's signal aborts the call and the relay with its reason", async () => {
  const controller = new AbortController();
  const relay = scripted(never);
  const call = invoke(relay, registry, { ...ECHO, signal: controller.signal });
  await Promise.resolve();
  const reason = new Error('user navigated away');
  controller.abort(reason);
  await assert.rejects(call, (error: unknown) => error === reason);
  assert.equal(relay.signals[0]!.reason, reason);
  const sent = relay.frames.length;
  await assert.rejects(invoke(relay, registry, { ...ECHO, signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(relay.frames.length, sent, 'an aborted signal sends nothing');
});

test('bad options are refused naming the option, before anything is sent', async () => {
  const relay = scripted(never);
  const bad: [unknown, RegExp][] = [
    [null, /^TypeError: invoke: options: expected an object$/],
    [{ ...ECHO, protocol: 'grpc' }, /options\.protocol: expected "dubbo" or "bolt", got "grpc"/],
    [{ ...ECHO, service: '' }, /options\.service: expected a non-empty string/],
    [{ ...ECHO, method: 7 }, /options\.method: expected a non-empty string/],
    [{ ...ECHO, version: 1 }, /options\.version: expected a string/],
    [{ ...ECHO, args: 'hi' }, /options\.args: expected an array/],
    [{ ...ECHO, args: ['a', null] }, /options\.args\[1\]: null has no inferred Java type/],
    [{ ...ECHO, attachments: { n: 1 } }, /options\.attachments\.n: expected a string, got number/],
    [{ ...ECHO, timeout: 0 }, /options\.timeout: expected a positive integer of ms up to 2147483647, got 0/],
    [{ ...ECHO, timeout: 1.5 }, /options\.timeout: .* got 1\.5/],
    [{ ...ECHO, signal: {} }, /options\.signal: expected an AbortSignal/],
    [{ ...ECHO, protocol: 'bolt', boltProtocol: 'v3' }, /options\.boltProtocol: expected one of v1, v2, v2-crc, got "v3"/],
  ];
  for (const [options, message] of bad) await assert.rejects(invoke(relay, registry, options as InvokeOptions), message, JSON.stringify(options));
  assert.equal(relay.frames.length, 0);
});

test('a protocol missing from the registry, or a body past the 8 MiB frame limit, is refused before sending', async () => {
  const relay = scripted(never);
  const dubboOnly = new ProtocolRegistry();
  dubboOnly.register(dubboCodec);
  await assert.rejects(invoke(relay, dubboOnly, { ...ECHO, protocol: 'bolt' }), /^Error: invoke: no sidelet\.protocol\.bolt codec is registered$/);
  await assert.rejects(invoke(relay, registry, { ...ECHO, args: ['x'.repeat(9 * 1024 * 1024)] }), /^RangeError: invoke: dubbo header: body length \d+ exceeds the 8 MiB frame limit$/);
  assert.equal(relay.frames.length, 0);
});
