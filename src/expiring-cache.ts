/**
 * What the app remembers between requests: at most `maxEntries` values, each until its own time,
 * the oldest going first when full, so a flood of distinct keys costs memory of a fixed size.
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value, if it is there and its time has not come. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() < entry.until) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keeps `value` until the epoch millisecond `until`; a cache of size 0 keeps nothing. */
  set(key: string, value: V, until: number): void {
    if (this.maxEntries <= 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { value, until });
  }
}
