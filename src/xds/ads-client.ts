// The ADS client: one state-of-the-world stream per server (xDS v3), watches by type and name,
// ACK/NACK with versions and nonces, DOES_NOT_EXIST (gRPC A27), initial-fetch timeouts,
// reconnect with back-off, and the last-known-good cache. Protocol per Envoy's xds_protocol docs.
import type { NodeInfo } from '../config/bootstrap.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type protobuf from 'protobufjs';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import type { AdsStream, AdsTransport, DiscoveryRequest, DiscoveryResponse } from './ads-transport.ts';
import type { LkgCache } from './lkg-cache.ts';
import { nodeMessage } from './node-message.ts';
import { anyToJson } from './proto-json.ts';
import { protoRoot } from './proto-root.ts';
import { decodeResource, RESOURCE_TYPES, type XdsResourceType } from './resource-types.ts';

/** google.rpc.Code INVALID_ARGUMENT, the code a NACK carries. */
const INVALID_ARGUMENT = 3;

export type ResourceStatus = 'REQUESTED' | 'ACKED' | 'NACKED' | 'DOES_NOT_EXIST' | 'CACHED';

/** Told about one resource. Called on the ADS client's thread. */
export interface ResourceWatcher<T> {
  onResource(value: T): void;
  /** The server says it has no such resource, or the initial fetch timed out. */
  onDoesNotExist(reason: string): void;
  /**
   * The server sent the resource but it was NACKED, and no earlier version was ever accepted
   * (gRPC A88's resource error): nothing can be used until the server sends a valid one.
   */
  onRejected?(reason: string): void;
}

export interface XdsLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface AdsClientOptions {
  readonly transport: AdsTransport;
  readonly node: NodeInfo;
  readonly clock: Clock;
  readonly random: () => number;
  /** gRPC A27's initial fetch timeout; default 15 s. */
  readonly initialFetchTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly cache?: LkgCache;
  readonly log?: XdsLogger;
  readonly root?: protobuf.Root;
}

export interface ResourceEntry {
  readonly name: string;
  status: ResourceStatus;
  value: unknown;
  json: unknown;
  version: string;
  error: string | undefined;
  /** Clock time of the last change of status or value. */
  updatedAt: number;
  readonly watchers: Set<ResourceWatcher<unknown>>;
  timer: TimerHandle | undefined;
}

interface TypeState {
  readonly type: XdsResourceType<unknown>;
  /** The last ACKed version_info, sent back on every request (the previous one on a NACK). */
  version: string;
  /** The nonce of the last response on the current stream. */
  nonce: string;
  /** A request went out on the current stream (so an empty name list means "unsubscribe all"). */
  requested: boolean;
  /** The name list changed since the last request; one request per type goes out at the end of the current task. */
  pending: boolean;
  readonly entries: Map<string, ResourceEntry>;
  /** Every ACKed resource of the type, subscribed or not, as JSON: what the cache persists. */
  acked: Map<string, unknown>;
  /** Read from the cache when the control plane could not be reached at start. */
  cached: Map<string, { value: unknown; json: unknown; version: string }> | undefined;
}

const SILENT: XdsLogger = { info: () => {}, warn: () => {} };

/**
 * Owned by one thread (the control thread in worker mode, the caller's in inline mode); only
 * that thread may watch, cancel or close. Watchers are called synchronously on that thread.
 */
export class AdsClient {
  readonly #options: AdsClientOptions;
  readonly #log: XdsLogger;
  readonly #root: protobuf.Root;
  readonly #types = new Map<string, TypeState>();
  readonly #backoff: Backoff;
  #stream: AdsStream | undefined;
  #firstOnStream = true;
  #receivedOnStream = false;
  #everReceived = false;
  #retry: TimerHandle | undefined;
  /** The last stream ended before the control plane answered on it: no server to talk to now. */
  #unreachable = false;
  /** One promise for every waiter until the next time the control plane is found unreachable. */
  #nextUnreachable: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;
  #closed = false;
  #flushQueued = false;
  #cacheTried = false;

  constructor(options: AdsClientOptions) {
    this.#options = options;
    this.#log = options.log ?? SILENT;
    this.#root = options.root ?? protoRoot();
    this.#backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF, options.random);
    for (const type of RESOURCE_TYPES) {
      this.#types.set(type.typeUrl, { type, version: '', nonce: '', requested: false, pending: false, entries: new Map(), acked: new Map(), cached: undefined });
    }
  }

  /** Opens the stream; watches made before or after are sent on it. */
  start(): void {
    if (this.#stream === undefined && this.#retry === undefined && !this.#closed) this.#connect();
  }

  /** Subscribes to a resource; the returned function unsubscribes this watcher. */
  watch<T>(type: XdsResourceType<T>, name: string, watcher: ResourceWatcher<T>): () => void {
    const state = this.#types.get(type.typeUrl)!;
    const w = watcher as ResourceWatcher<unknown>;
    let entry = state.entries.get(name);
    if (entry === undefined) {
      entry = { name, status: 'REQUESTED', value: undefined, json: undefined, version: '', error: undefined, updatedAt: this.#options.clock.now(), watchers: new Set(), timer: undefined };
      state.entries.set(name, entry);
      const cached = state.cached?.get(name);
      if (cached !== undefined) Object.assign(entry, { status: 'CACHED', value: cached.value, json: cached.json, version: cached.version });
      else this.#startFetchTimer(state, entry);
      entry.watchers.add(w);
      this.#requestSoon(state);
    } else {
      entry.watchers.add(w);
    }
    if (entry.value !== undefined) w.onResource(entry.value);
    else if (entry.status === 'DOES_NOT_EXIST') w.onDoesNotExist(entry.error ?? `${type.typeName} "${name}" does not exist`);
    else if (entry.status === 'NACKED') w.onRejected?.(rejection(entry));
    return () => {
      entry.watchers.delete(w);
      if (entry.watchers.size > 0 || state.entries.get(name) !== entry) return;
      entry.timer?.cancel();
      state.entries.delete(name);
      this.#requestSoon(state);
    };
  }

  /** Every watched resource, for the config dump. Read-only view. */
  entries(): { typeUrl: string; typeName: string; version: string; entries: readonly ResourceEntry[] }[] {
    return [...this.#types.values()].map((s) => ({ typeUrl: s.type.typeUrl, typeName: s.type.typeName, version: s.version, entries: [...s.entries.values()] }));
  }

  /**
   * Resolves when the control plane is found unreachable: at once if the last stream ended
   * before it answered, else when the current one does (a failOpen runtime stops waiting then).
   */
  unreachable(): Promise<void> {
    if (this.#unreachable) return Promise.resolve();
    if (this.#nextUnreachable === undefined) {
      let resolve: () => void = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      this.#nextUnreachable = { promise, resolve };
    }
    return this.#nextUnreachable.promise;
  }

  close(): void {
    this.#closed = true;
    this.#retry?.cancel();
    this.#retry = undefined;
    this.#stream?.close();
    this.#stream = undefined;
    for (const state of this.#types.values()) for (const entry of state.entries.values()) entry.timer?.cancel();
    this.#options.transport.close();
  }

  #connect(): void {
    this.#retry = undefined;
    this.#firstOnStream = true;
    this.#receivedOnStream = false;
    for (const state of this.#types.values()) {
      state.nonce = '';
      state.requested = false;
    }
    this.#stream = this.#options.transport.open({
      onResponse: (response) => this.#onResponse(response),
      onClose: (detail) => this.#onClose(detail),
    });
    for (const state of this.#types.values()) this.#sendRequest(state);
  }

  #onClose(detail: string): void {
    this.#stream = undefined;
    if (this.#closed) return;
    if (!this.#receivedOnStream) {
      this.#unreachable = true;
      this.#nextUnreachable?.resolve();
      this.#nextUnreachable = undefined;
    }
    if (this.#receivedOnStream) this.#backoff.reset();
    if (!this.#everReceived) this.#startFromCache(detail);
    const delay = this.#backoff.next();
    this.#log.warn(`xDS stream closed (${detail}); reconnecting in ${Math.round(delay)} ms`);
    this.#retry = this.#options.clock.schedule(delay, () => this.#connect());
  }

  /**
   * Watches made in one task (a CDS response naming 10,000 clusters starts 10,000 EDS watches)
   * go out as one request per type, as Envoy pauses its ADS mux while it applies an update;
   * a request per watch would make a state-of-the-world server resend everything N times.
   */
  #requestSoon(state: TypeState): void {
    state.pending = true;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      for (const pending of this.#types.values()) if (pending.pending) this.#sendRequest(pending);
    });
  }

  #sendRequest(state: TypeState, errorDetail?: string): void {
    state.pending = false;
    if (this.#stream === undefined) return;
    const names = [...state.entries.keys()].sort();
    if (names.length === 0 && !state.requested) return;
    const request: DiscoveryRequest = {
      version_info: state.version,
      ...(this.#firstOnStream ? { node: nodeMessage(this.#options.node) } : {}),
      resource_names: names,
      type_url: state.type.typeUrl,
      response_nonce: state.nonce,
      ...(errorDetail === undefined ? {} : { error_detail: { code: INVALID_ARGUMENT, message: errorDetail } }),
    };
    this.#firstOnStream = false;
    state.requested = true;
    this.#stream.send(request);
  }

  #onResponse(response: DiscoveryResponse): void {
    this.#receivedOnStream = true;
    this.#unreachable = false;
    this.#everReceived = true;
    this.#backoff.reset();
    const state = this.#types.get(response.type_url);
    if (state === undefined) {
      this.#log.warn(`xDS response of unknown type ${JSON.stringify(response.type_url)} ignored`);
      return;
    }
    state.nonce = response.nonce;
    const decoded = response.resources.map((any, i) => {
      if (any.type_url !== response.type_url) {
        return { ok: false as const, name: undefined, error: `resources[${i}]: type ${JSON.stringify(any.type_url)} in a ${state.type.typeName} response` };
      }
      try {
        return decodeResource(state.type, anyToJson(this.#root, any.type_url, any.value), i);
      } catch (error) {
        return { ok: false as const, name: undefined, error: `resources[${i}]: cannot decode ${state.type.typeName}: ${(error as Error).message}` };
      }
    });
    const now = this.#options.clock.now();
    const failures = decoded.filter((d) => !d.ok);
    const seen = new Set<string>();
    for (const d of decoded) {
      if (d.name === undefined) continue;
      if (seen.has(d.name)) failures.push({ ok: false, name: d.name, error: `${state.type.typeName} "${d.name}": duplicate resource name in one response` });
      seen.add(d.name);
    }
    if (failures.length > 0) {
      // NACK: the whole response is refused; every resource keeps its previous version.
      const detail = failures.map((f) => f.error).join('; ');
      this.#log.warn(`xDS NACK of ${state.type.typeName} version ${JSON.stringify(response.version_info)}: ${detail}`);
      const rejected: ResourceEntry[] = [];
      for (const f of failures) {
        const entry = f.name === undefined ? undefined : state.entries.get(f.name);
        if (entry === undefined) continue;
        Object.assign(entry, { status: 'NACKED', error: f.error, updatedAt: now });
        // The server did answer for it: the initial fetch timer has nothing left to wait for.
        if (entry.value !== undefined) continue;
        entry.timer?.cancel();
        entry.timer = undefined;
        rejected.push(entry);
      }
      this.#sendRequest(state, detail);
      for (const entry of rejected) for (const w of [...entry.watchers]) w.onRejected?.(rejection(entry));
      return;
    }
    state.version = response.version_info;
    state.acked = new Map(decoded.map((d) => [d.name!, d.ok ? d.json : undefined]));
    const changed: [ResourceEntry, unknown][] = [];
    const removed: ResourceEntry[] = [];
    for (const d of decoded) {
      if (!d.ok) continue;
      const entry = state.entries.get(d.name);
      if (entry === undefined) continue;
      const same = entry.value !== undefined && JSON.stringify(entry.json) === JSON.stringify(d.json);
      entry.timer?.cancel();
      Object.assign(entry, { status: 'ACKED', version: response.version_info, error: undefined, timer: undefined, json: d.json });
      if (!same) {
        entry.value = d.value;
        entry.updatedAt = now;
        changed.push([entry, d.value]);
      }
    }
    if (state.type.allResourcesRequired) {
      for (const entry of state.entries.values()) {
        if (seen.has(entry.name) || entry.status === 'DOES_NOT_EXIST') continue;
        removed.push(entry);
      }
    }
    this.#sendRequest(state);
    this.#options.cache?.save({ typeUrl: state.type.typeUrl, version: state.version, resources: Object.fromEntries(state.acked) });
    for (const [entry, value] of changed) for (const w of [...entry.watchers]) w.onResource(value);
    for (const entry of removed) this.#doesNotExist(state, entry, `${state.type.typeName} "${entry.name}" does not exist: the server's response version ${JSON.stringify(response.version_info)} does not hold it`);
  }

  #startFetchTimer(state: TypeState, entry: ResourceEntry): void {
    const ms = this.#options.initialFetchTimeoutMs ?? 15_000;
    entry.timer = this.#options.clock.schedule(ms, () => {
      entry.timer = undefined;
      if (entry.value === undefined && entry.status !== 'DOES_NOT_EXIST') {
        this.#doesNotExist(state, entry, `${state.type.typeName} "${entry.name}" does not exist: no answer from the control plane within ${ms} ms`);
      }
    });
  }

  #doesNotExist(state: TypeState, entry: ResourceEntry, reason: string): void {
    if (state.entries.get(entry.name) !== entry) return;
    entry.timer?.cancel();
    Object.assign(entry, { status: 'DOES_NOT_EXIST', value: undefined, json: undefined, error: reason, updatedAt: this.#options.clock.now(), timer: undefined });
    for (const w of [...entry.watchers]) w.onDoesNotExist(reason);
  }

  /** The control plane could not be reached before any response: serve what the cache holds. */
  #startFromCache(detail: string): void {
    const cache = this.#options.cache;
    if (cache === undefined || this.#cacheTried) return;
    this.#cacheTried = true;
    let count = 0;
    for (const state of this.#types.values()) {
      const set = cache.load(state.type.typeUrl, (m) => this.#log.warn(m));
      if (set === undefined) continue;
      const cached = new Map<string, { value: unknown; json: unknown; version: string }>();
      Object.entries(set.resources).forEach(([name, json], i) => {
        const d = decodeResource(state.type, json, i);
        if (d.ok && d.name === name) cached.set(name, { value: d.value, json, version: set.version });
        else this.#log.warn(`xDS cache entry ${state.type.typeName} "${name}" ignored: ${d.ok ? 'name mismatch' : d.error}`);
      });
      state.cached = cached;
      count += cached.size;
      for (const entry of state.entries.values()) {
        const hit = cached.get(entry.name);
        if (hit === undefined || entry.value !== undefined) continue;
        entry.timer?.cancel();
        Object.assign(entry, { status: 'CACHED', value: hit.value, json: hit.json, version: hit.version, timer: undefined, updatedAt: this.#options.clock.now() });
        for (const w of [...entry.watchers]) w.onResource(hit.value);
      }
    }
    this.#log.info(`xDS control plane unreachable (${detail}); started from the last-known-good cache (${count} resources)`);
  }
}

/** Why a resource never accepted cannot be used: the decoder's error, which names the resource and the field. */
function rejection(entry: ResourceEntry): string {
  return `${entry.error ?? `"${entry.name}"`} (NACKed by this client; no earlier version was accepted)`;
}
