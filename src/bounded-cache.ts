/**
 * What the app remembers between requests, in memory of a fixed size whatever comes: at most
 * `capacity` in all, each value counting as `sizeOf` says (1 by default: a number of entries), each
 * kept until its own time or for good. When full, the least recently used go first.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly until: number; readonly size: number }>();
  #used = 0;

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
    private readonly sizeOf: (value: V) => number = () => 1,
  ) {}

  /** The value, if it is there and its time has not come; it is then the most recently used. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#remove(key);
    if (this.now() >= entry.until) return undefined;
    this.#entries.set(key, entry);
    this.#used += entry.size;
    return entry.value;
  }

  /**
   * Keeps `value` until the epoch millisecond `until` (for good by default). A value larger than
   * the whole capacity is not kept, so a cache of capacity 0 keeps nothing.
   */
  set(key: string, value: V, until = Number.POSITIVE_INFINITY): void {
    this.#remove(key);
    const size = this.sizeOf(value);
    if (size > this.capacity) return;
    // A Map iterates in insertion order, and get() re-inserts what it returns: the first is the least recently used.
    for (const [oldest] of this.#entries) {
      if (this.#used + size <= this.capacity) break;
      this.#remove(oldest);
    }
    this.#entries.set(key, { value, until, size });
    this.#used += size;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#used -= entry.size;
  }
}
