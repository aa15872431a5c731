// Real peer frames for codec tests: one request and one response per protocol, as the peer
// libraries wrote them, taken off the wire by a tee proxy between client and server.
import { connectBoltClient, startBoltServer, type BoltProtocol } from './bolt-peers.ts';
import { createDubboConsumer, startDubboProvider } from './dubbo-peers.ts';
import { singleFrame, type WireProtocol } from './frame-length.ts';
import { PeerCallError } from './echo-service.ts';
import { startTeeProxy, type TeeProxy } from './tee-proxy.ts';

export type FrameSource = 'dubbo' | `bolt-${BoltProtocol}`;

export const FRAME_SOURCES: readonly FrameSource[] = ['dubbo', 'bolt-v1', 'bolt-v2', 'bolt-v2-crc'];

export interface FramePair {
  readonly request: Buffer;
  readonly response: Buffer;
}

export type RecordedFrames = Readonly<Record<FrameSource, FramePair>>;

/**
 * `echo` records echo("frame") answered `recorder@<version>:frame`; `fail` records fail(),
 * answered with the business exception.
 */
export type RecordedCall = 'echo' | 'fail';

/** The server instance name in recorded answers, so a fresh server replays them byte for byte. */
export const RECORDER = 'recorder';
export const RECORDED_MESSAGE = 'frame';

/** Runs each peer pair once through a tee proxy and returns the single frame each way. */
export async function recordFrames(call: RecordedCall = 'echo'): Promise<RecordedFrames> {
  return {
    dubbo: await recordDubbo(call),
    'bolt-v1': await recordBolt('v1', call),
    'bolt-v2': await recordBolt('v2', call),
    'bolt-v2-crc': await recordBolt('v2-crc', call),
  };
}

async function recordDubbo(call: RecordedCall): Promise<FramePair> {
  const provider = await startDubboProvider({ name: RECORDER });
  try {
    return await throughTee('dubbo', provider, async (proxy) => {
      const consumer = createDubboConsumer({ host: proxy.host, port: proxy.port });
      try {
        const service = consumer.echoService('1.0.0');
        await expectOutcome(call, call === 'echo' ? service.echo(RECORDED_MESSAGE) : service.fail());
      } finally {
        await consumer.close();
      }
    });
  } finally {
    await provider.close();
  }
}

async function recordBolt(protocol: BoltProtocol, call: RecordedCall): Promise<FramePair> {
  const server = await startBoltServer({ name: RECORDER });
  try {
    return await throughTee('bolt', server, async (proxy) => {
      const client = await connectBoltClient({ host: proxy.host, port: proxy.port, protocol });
      try {
        await expectOutcome(call, call === 'echo' ? client.echo(RECORDED_MESSAGE) : client.fail());
      } finally {
        await client.close();
      }
    });
  } finally {
    await server.close();
  }
}

async function throughTee(protocol: WireProtocol, target: { host: string; port: number }, exchange: (proxy: TeeProxy) => Promise<void>): Promise<FramePair> {
  const proxy = await startTeeProxy(target);
  try {
    await exchange(proxy);
  } finally {
    await proxy.close();
  }
  const [session, ...others] = proxy.sessions;
  if (session === undefined || others.length > 0) throw new Error(`${protocol} recording: ${proxy.sessions.length} connections, expected 1`);
  return {
    request: singleFrame(protocol, session.toServer(), `${protocol} request stream`),
    response: singleFrame(protocol, session.toClient(), `${protocol} response stream`),
  };
}

/** An echo must succeed and a fail() must come back as the server's error, or the frames are not the ones asked for. */
async function expectOutcome(call: RecordedCall, outcome: Promise<unknown>): Promise<void> {
  if (call === 'echo') {
    await outcome;
    return;
  }
  const error = await outcome.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof PeerCallError && error.kind === 'error')) throw new Error(`fail() recording: expected a server error, got ${String(error)}`);
}
