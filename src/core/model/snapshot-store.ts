// Holds the current snapshot and swaps it atomically: readers take `current` once per request
// and keep that object, so a request never sees two versions. Owned by the thread that applies config.
import { deepFreeze } from './freeze.ts';
import { EMPTY_SNAPSHOT, type Snapshot } from './snapshot.ts';

export type SnapshotParts = Omit<Snapshot, 'version'>;

export class SnapshotStore {
  #current: Snapshot;
  readonly #listeners = new Set<(snapshot: Snapshot) => void>();

  constructor(initial: Snapshot = EMPTY_SNAPSHOT) {
    this.#current = initial;
  }

  get current(): Snapshot {
    return this.#current;
  }

  /** Publishes a new, frozen snapshot with the next version and tells the subscribers. */
  replace(parts: SnapshotParts): Snapshot {
    const next = deepFreeze({ ...parts, version: this.#current.version + 1 });
    this.#current = next;
    for (const listener of this.#listeners) listener(next);
    return next;
  }

  subscribe(listener: (snapshot: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
