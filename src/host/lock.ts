// A keyed async mutex: callers holding overlapping keys run one after another, disjoint keys run in parallel.

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Number of keys currently held or awaited (for tests). */
  get size(): number {
    return this.tails.size;
  }

  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    // Sorted and deduplicated: two callers taking the same keys always take them in the same order (no deadlock).
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const key of sorted) {
        releases.push(await this.acquire(key));
      }
      return await fn();
    } finally {
      for (const release of releases.reverse()) {
        release();
      }
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) {
        this.tails.delete(key);
      }
    };
  }
}
