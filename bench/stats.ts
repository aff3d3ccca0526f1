// Small statistics helpers shared by the benchmarks.

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

export function summarize(values: readonly number[]): Summary {
  const mean = values.reduce((sum, v) => sum + v, 0) / (values.length || 1);
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), mean };
}

/** Rounds to `digits` significant decimals, keeping JSON readable. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Runs `fn` until `maxCount` calls or `maxMs` elapsed (at least `minCount`), returning each call's duration in ms. */
export async function timeEach(
  fn: () => unknown,
  limits: { minCount: number; maxCount: number; maxMs: number },
): Promise<number[]> {
  const times: number[] = [];
  const deadline = performance.now() + limits.maxMs;
  while (times.length < limits.maxCount && (times.length < limits.minCount || performance.now() < deadline)) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}
