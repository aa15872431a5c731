// Earliest-deadline-first scheduler (Envoy's EdfScheduler): each pick takes the entry with the
// smallest deadline and requeues it one period (1 / weight) later, O(log n) per pick. Weights
// are read again at requeue time, so dynamic weights (least request, slow start) take effect.

export class EdfScheduler<T> {
  readonly #items: readonly T[];
  readonly #weight: (item: T) => number;
  readonly #deadline: Float64Array;
  readonly #order: Float64Array;
  readonly #heap: Int32Array;
  #size = 0;
  #now = 0;
  #seq = 0;

  /** Entries whose weight is not positive are never scheduled. */
  constructor(items: readonly T[], weight: (item: T) => number) {
    this.#items = items;
    this.#weight = weight;
    this.#deadline = new Float64Array(items.length);
    this.#order = new Float64Array(items.length);
    this.#heap = new Int32Array(items.length);
    for (let i = 0; i < items.length; i++) this.#push(i, weight(items[i]!));
  }

  get size(): number {
    return this.#size;
  }

  /**
   * The entry due next, requeued by its current weight. Entries for which `skip` is true are
   * passed over (their place is kept); if every entry is skipped the first due one is picked.
   */
  pick(skip?: (item: T) => boolean): T | undefined {
    if (this.#size === 0) return undefined;
    if (skip === undefined || !skip(this.#items[this.#heap[0]!]!)) return this.#take();
    const passed: number[] = [];
    while (this.#size > 0 && skip(this.#items[this.#heap[0]!]!)) passed.push(this.#pop());
    const chosen = this.#size > 0 ? this.#take() : undefined;
    for (const index of passed) this.#restore(index);
    return chosen ?? this.#take();
  }

  #take(): T {
    const index = this.#pop();
    this.#now = this.#deadline[index]!;
    const item = this.#items[index]!;
    this.#push(index, this.#weight(item));
    return item;
  }

  #push(index: number, weight: number): void {
    if (!(weight > 0)) return;
    this.#deadline[index] = this.#now + 1 / weight;
    this.#order[index] = this.#seq++;
    this.#restore(index);
  }

  /** Puts an entry back with the deadline it already had. */
  #restore(index: number): void {
    const heap = this.#heap;
    let at = this.#size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.#before(index, heap[parent]!)) break;
      heap[at] = heap[parent]!;
      at = parent;
    }
    heap[at] = index;
  }

  #pop(): number {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap[--this.#size]!;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.#size) break;
      if (child + 1 < this.#size && this.#before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.#before(heap[child]!, last)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = last;
    return top;
  }

  #before(a: number, b: number): boolean {
    const da = this.#deadline[a]!;
    const db = this.#deadline[b]!;
    return da < db || (da === db && this.#order[a]! < this.#order[b]!);
  }
}
