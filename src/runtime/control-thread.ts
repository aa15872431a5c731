// Worker mode's control thread: owns the config (static and xDS), active health checking and the
// process-wide policy state, and keeps every data-plane worker's copy of them current. Answers
// workers over BroadcastChannels and the main thread over its own port.
import { BroadcastChannel, type MessagePort } from 'node:worker_threads';
import { systemClock } from '../core/clock.ts';
import { describeHosts } from '../core/call/cluster-services.ts';
import type { ClusterStatus } from '../core/call/snapshot-state.ts';
import { SnapshotStore } from '../core/model/snapshot-store.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { BreakerState } from '../core/policy/error-rate-breaker.ts';
import type { XdsHandle } from '../xds/start-xds.ts';
import { ControlPolicies } from './control-policies.ts';
import { HealthCheckers } from './health-checkers.ts';
import { awaitListener } from './await-listener.ts';
import { BreakerTrials } from './breaker-trials.ts';
import { type BreakerTrial, type ControlToMain, type ControlWorkerData, controlChannel, kCounterClusters, type MainToControl, type ToControl, type ToWorker, workerChannel } from './protocol.ts';
import { statsRecorder } from './stats-relay.ts';
import { toWireError } from './wire-error.ts';

type HostsDown = Extract<ToWorker, { type: 'hosts-down' }>;
const EMPTY_DOWN = '[[],[]]';

function breakerMessage(name: string, state: BreakerState, trial: BreakerTrial | undefined): ToWorker {
  return trial === undefined ? { type: 'breaker', name, state } : { type: 'breaker', name, state, trial };
}

/** Lives on the control thread for the mesh's whole life. */
export class ControlThread {
  readonly #data: ControlWorkerData;
  readonly #main: MessagePort;
  readonly #store = new SnapshotStore();
  /** Loaded only with xds_servers: a static config starts without gRPC. */
  readonly #xds: Promise<XdsHandle> | undefined;
  readonly #staticListeners: ReadonlySet<string>;
  readonly #fromWorkers: BroadcastChannel;
  readonly #workers = new Map<number, BroadcastChannel>();
  /** Shared-counter block of each cluster name ever seen; never reused, so counts survive updates. */
  readonly #layout = new Map<string, number>();
  readonly #breakerStates = new Map<string, BreakerState>();
  readonly #trials: BreakerTrials;
  /** Hosts last reported down per cluster, so a change is sent once. */
  readonly #down = new Map<string, { readonly key: string; readonly message: HostsDown }>();
  readonly #admissions = new Map<string, AbortController>();
  readonly #checkers: HealthCheckers;
  readonly #stats: ReturnType<typeof statsRecorder> | undefined;
  readonly #unsubscribe: () => void;
  #policies: ControlPolicies;

  constructor(data: ControlWorkerData, main: MessagePort) {
    this.#data = data;
    this.#main = main;
    this.#stats = data.statsEnabled ? statsRecorder(data.meshId) : undefined;
    this.#checkers = new HealthCheckers((cluster) => this.#publishDown(cluster));
    this.#trials = new BreakerTrials(data.shared.breakerTrials);
    this.#store.replace(data.staticResources);
    this.#staticListeners = new Set(data.staticResources.listeners.keys());
    this.#policies = this.#buildPolicies(this.#store.current);
    this.#fromWorkers = new BroadcastChannel(controlChannel(data.meshId));
    this.#fromWorkers.onmessage = (event) => this.#onWorker((event as { readonly data: ToControl }).data);
    this.#unsubscribe = this.#store.subscribe((snapshot) => this.#onSnapshot(snapshot));
    this.#onSnapshot(this.#store.current);
    this.#xds =
      data.bootstrap.xdsServers.length > 0
        ? import('../xds/start-xds.ts').then(({ startXds }) =>
            startXds(data.bootstrap, { store: this.#store, clock: systemClock, random: Math.random, base: data.staticResources, ...(data.cacheDir === undefined ? {} : { cacheDir: data.cacheDir }) }),
          )
        : undefined;
    main.on('message', (message: MainToControl) => this.#onMain(message));
    this.#toMain({ type: 'ready' });
  }

  #onSnapshot(snapshot: Snapshot): void {
    for (const name of snapshot.clusters.keys()) {
      if (!this.#layout.has(name) && this.#layout.size < kCounterClusters) this.#layout.set(name, this.#layout.size);
    }
    this.#policies.close();
    this.#policies = this.#buildPolicies(snapshot);
    this.#breakerStates.clear();
    this.#trials.clear();
    for (const threadId of this.#workers.keys()) this.#sendSnapshot(threadId);
    this.#toMain({ type: 'snapshot', snapshot });
    this.#checkers.update(snapshot);
    for (const cluster of snapshot.clusters.keys()) this.#publishDown(cluster);
  }

  #buildPolicies(snapshot: Snapshot): ControlPolicies {
    return new ControlPolicies(snapshot, systemClock, Math.random, {
      onEjectionChange: (cluster) => this.#publishDown(cluster),
      onBreakerState: (name, state, resetTimeoutMs) => {
        this.#breakerStates.set(name, state);
        if (state !== 'half-open') this.#trials.disarm(name);
        const trial = state === 'half-open' ? this.#trials.arm(name, resetTimeoutMs) : undefined;
        this.#broadcast(breakerMessage(name, state, trial));
      },
      stats: this.#stats?.stats,
    });
  }

  /** Tells workers the hosts of `cluster` out of rotation, when that changed. */
  #publishDown(cluster: string): void {
    const message: HostsDown = { type: 'hosts-down', cluster, ejected: this.#policies.ejected(cluster).sort(), unhealthy: [...(this.#checkers.unhealthy(cluster) ?? [])].sort() };
    const key = JSON.stringify([message.ejected, message.unhealthy]);
    if ((this.#down.get(cluster)?.key ?? EMPTY_DOWN) === key) return;
    this.#down.set(cluster, { key, message });
    this.#broadcast(message);
  }

  #onWorker(message: ToControl): void {
    switch (message.type) {
      case 'hello':
        if (this.#workers.has(message.threadId)) return;
        this.#workers.set(message.threadId, new BroadcastChannel(workerChannel(this.#data.meshId, message.threadId)));
        this.#sendSnapshot(message.threadId);
        for (const { key, message: down } of this.#down.values()) if (key !== EMPTY_DOWN) this.#send(message.threadId, down);
        for (const [name, state] of this.#breakerStates) this.#send(message.threadId, breakerMessage(name, state, this.#trials.trialOf(name)));
        this.#toMain({ type: 'worker-ready', threadId: message.threadId });
        return;
      case 'outcomes':
        for (const [cluster, hostId, outcome] of message.outcomes) this.#policies.reportOutcome(cluster, hostId, outcome);
        for (const [cluster, method, failed] of message.breakers) this.#policies.reportBreaker(cluster, method, failed);
        return;
      case 'breaker-report': {
        this.#policies.reportBreaker(message.cluster, message.method, message.failed);
        // opossum settles an outcome through promise callbacks: acknowledge after they ran, so a state change is broadcast first.
        const { threadId, id } = message;
        setImmediate(() => this.#send(threadId, { type: 'breaker-recorded', id }));
        return;
      }
      case 'admit':
        return this.#admit(message);
      case 'admit-cancel':
        this.#admissions.get(`${message.threadId}:${message.id}`)?.abort();
        return;
      case 'ensure-listener':
        return this.#ensureListener(message.threadId, message.id, message.name);
    }
  }

  #admit(message: Extract<ToControl, { type: 'admit' }>): void {
    const limiter = this.#policies.limiter(message.key, message.config);
    if (message.shadow) {
      limiter.tryTake(message.caller);
      return;
    }
    const key = `${message.threadId}:${message.id}`;
    const abort = new AbortController();
    this.#admissions.set(key, abort);
    const reply = (error: unknown) => {
      this.#admissions.delete(key);
      if (abort.signal.aborted) return;
      this.#send(message.threadId, { type: 'admitted', id: message.id, error: error === undefined ? undefined : toWireError(error) });
    };
    limiter.acquire({ ...(message.caller === undefined ? {} : { caller: message.caller }), ...(message.priority === undefined ? {} : { priority: message.priority }), signal: abort.signal }).then(
      () => reply(undefined),
      (error: unknown) => reply(error),
    );
  }

  #ensureListener(threadId: number, id: number, name: string): void {
    const done = (error: unknown) => this.#send(threadId, { type: 'listener-ready', id, error: error === undefined ? undefined : toWireError(error) });
    if (this.#xds === undefined || this.#staticListeners.has(name)) return done(undefined);
    const known = this.#store.current.listeners.has(name);
    this.#xds.then((xds) => awaitListener(xds, name, this.#data.failOpen && !known)).then(
      () => done(undefined),
      (error: unknown) => done(error),
    );
  }

  #onMain(message: MainToControl): void {
    switch (message.type) {
      case 'cluster-status':
        return this.#toMain({ type: 'cluster-status', id: message.id, clusters: this.#clusterStatus() });
      case 'config-dump':
        void (this.#xds ?? Promise.resolve(undefined)).then((xds) => this.#toMain({ type: 'config-dump', id: message.id, dump: xds?.dump() ?? [] }));
        return;
      case 'worker-gone':
        this.#workers.get(message.threadId)?.close();
        this.#workers.delete(message.threadId);
        return;
      case 'close':
        void this.#close();
        return;
    }
  }

  /** Hosts with ejections and active-health verdicts; requests in flight live on the workers, so none show here. */
  #clusterStatus(): ClusterStatus[] {
    const snapshot = this.#store.current;
    const out: ClusterStatus[] = [];
    for (const [name, assignment] of snapshot.endpoints) {
      if (!snapshot.clusters.has(name)) continue;
      const ejected = new Set(this.#policies.ejected(name));
      const failing = this.#checkers.unhealthy(name);
      const hosts = describeHosts(assignment, (e) => ({ outlierEjected: ejected.has(e.id), activeHealthFailed: failing?.has(e.id) === true, activeRequests: 0 }));
      out.push({ name, built: true, hosts });
    }
    return out;
  }

  async #close(): Promise<void> {
    this.#unsubscribe();
    (await this.#xds)?.close();
    this.#checkers.close();
    this.#policies.close();
    this.#trials.clear();
    for (const abort of this.#admissions.values()) abort.abort();
    for (const channel of this.#workers.values()) channel.close();
    this.#fromWorkers.close();
    this.#stats?.close();
    this.#toMain({ type: 'closed' });
    this.#main.close();
  }

  #sendSnapshot(threadId: number): void {
    this.#send(threadId, { type: 'snapshot', version: this.#store.current.version, snapshot: this.#store.current, layout: [...this.#layout] });
  }

  #broadcast(message: ToWorker): void {
    for (const channel of this.#workers.values()) channel.postMessage(message);
  }

  #send(threadId: number, message: ToWorker): void {
    this.#workers.get(threadId)?.postMessage(message);
  }

  #toMain(message: ControlToMain): void {
    this.#main.postMessage(message);
  }
}
