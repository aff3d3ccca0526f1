// A keyed async mutex: callers holding overlapping keys run one after another, disjoint keys run in parallel; and the
// keys of an Appointment write.

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

/** Lock keys of an Appointment write: the identifier value(s), so `sys|val` and `val` serialise together. */
export function appointmentLockKeys(method: string, path: string[], query: URLSearchParams, body: unknown): string[] {
  if (path[0] !== 'Appointment' || !['PUT', 'POST', 'PATCH', 'DELETE'].includes(method)) {
    return [];
  }
  const keys: string[] = [];
  for (const token of query.getAll('identifier')) {
    keys.push(token.slice(token.indexOf('|') + 1).toLowerCase());
  }
  const identifiers = (body as { identifier?: unknown } | undefined)?.identifier;
  if (Array.isArray(identifiers)) {
    for (const identifier of identifiers) {
      const value = (identifier as { value?: unknown } | null)?.value;
      if (typeof value === 'string') {
        keys.push(value.toLowerCase());
      }
    }
  }
  return keys;
}
