// The waiting room of a rate limiter: one FIFO per integer priority, served highest priority
// first, with O(1) removal of any entry (abort, timeout) and of the newest lowest-priority one (shedding).

/** A queued entry; pass it back to `remove`. */
export interface QueueNode<T> {
  readonly value: T;
  readonly priority: number;
}

interface Node<T> extends QueueNode<T> {
  prev: Node<T> | undefined;
  next: Node<T> | undefined;
  level: Level<T> | undefined;
}

interface Level<T> {
  readonly priority: number;
  head: Node<T> | undefined;
  tail: Node<T> | undefined;
  size: number;
}

/**
 * Threading: not thread-safe; one owner (the limiter that holds it) calls every method, on
 * its own thread.
 */
export class PriorityQueue<T> {
  /** Non-empty levels, highest priority first. */
  readonly #levels: Level<T>[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(priority: number, value: T): QueueNode<T> {
    const level = this.#level(priority);
    const node: Node<T> = { value, priority, prev: level.tail, next: undefined, level };
    if (level.tail === undefined) level.head = node;
    else level.tail.next = node;
    level.tail = node;
    level.size++;
    this.#size++;
    return node;
  }

  /** Removes `entry` if it is still queued; true when it was. */
  remove(entry: QueueNode<T>): boolean {
    const node = entry as Node<T>;
    const level = node.level;
    if (level === undefined) return false;
    if (node.prev === undefined) level.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) level.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = node.level = undefined;
    level.size--;
    this.#size--;
    if (level.size === 0) this.#levels.splice(this.#levels.indexOf(level), 1);
    return true;
  }

  /** The oldest entry of the highest priority: the next to serve. */
  peek(): QueueNode<T> | undefined {
    return this.#levels[0]?.head;
  }

  /** The newest entry of the lowest priority: the first to shed. */
  peekLowest(): QueueNode<T> | undefined {
    return this.#levels.at(-1)?.tail;
  }

  /** The oldest entry of each priority, highest priority first. */
  *heads(): IterableIterator<QueueNode<T>> {
    for (const level of this.#levels) yield level.head!;
  }

  /** Entries that would be served before a new entry of `priority`: those of that priority or higher. */
  countAtOrAbove(priority: number): number {
    let count = 0;
    for (const level of this.#levels) {
      if (level.priority < priority) break;
      count += level.size;
    }
    return count;
  }

  #level(priority: number): Level<T> {
    let i = 0;
    while (i < this.#levels.length && this.#levels[i]!.priority > priority) i++;
    const found = this.#levels[i];
    if (found?.priority === priority) return found;
    const level: Level<T> = { priority, head: undefined, tail: undefined, size: 0 };
    this.#levels.splice(i, 0, level);
    return level;
  }
}
