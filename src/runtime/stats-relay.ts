// Stats across threads: a MeshStats that records each call as an event and posts them in batches
// (once per turn of the event loop) to the main thread, which replays them into the app's sink.
import { BroadcastChannel } from 'node:worker_threads';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import { type StatsEvent, statsChannel } from './protocol.ts';

/** The recording side, on a data-plane worker or the control thread. */
export function statsRecorder(meshId: string): { readonly stats: MeshStats; readonly close: () => void } {
  const channel = new BroadcastChannel(statsChannel(meshId));
  channel.unref();
  let events: StatsEvent[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (events.length === 0) return;
    channel.postMessage(events);
    events = [];
  };
  const stats = new Proxy({} as MeshStats, {
    get: (_target, method) => (...args: unknown[]) => {
      events.push([method, ...args] as unknown as StatsEvent);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  });
  return {
    stats,
    close: () => {
      flush();
      channel.close();
    },
  };
}

/** The replaying side, on the main thread: every batch into `sink`. */
export function replayStats(meshId: string, sink: MeshStats): { readonly close: () => void } {
  const channel = new BroadcastChannel(statsChannel(meshId));
  channel.unref();
  channel.onmessage = (event) => {
    for (const [method, ...args] of (event as { readonly data: StatsEvent[] }).data) (sink[method as keyof MeshStats] as (...a: unknown[]) => void).apply(sink, args);
  };
  return { close: () => channel.close() };
}
