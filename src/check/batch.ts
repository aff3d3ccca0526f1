// Checks the items of some input texts and hands the results back in input order: in this thread, or, for a large
// batch on a machine with several cores, in worker threads (worker.ts). Each worker parses every text (parsing costs
// far less than sending parsed appointments between threads) and checks its share: every version of one appointment
// (one history) goes to the same worker, in input order, so each worker's Checker judges exactly what a single
// Checker would; items without a history (no identifier, --versions none, not an Appointment) are dealt out in turn.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GuardConfig } from '../rules/config.ts';
import type { CheckResult } from './checker.ts';
import { itemsOfTexts } from './inputs.ts';
import type { InputItem, InputText } from './inputs.ts';
import { historyOfItem } from './versions.ts';
import type { VersionScope } from './versions.ts';

export interface BatchOptions {
  config: GuardConfig;
  /** The time rules compare dates with, the same for the whole batch. */
  now: Date;
  versions: VersionScope;
  /** Worker threads; default: one per core (up to 8) for PARALLEL_FROM_BYTES of input or more, else none. */
  workers?: number;
}

/** Below this (≈ 6,000 appointments), starting workers (~0.5 s of CPU each: code, definitions, parsing) costs more than it saves. */
export const PARALLEL_FROM_BYTES = 5_000_000;

/** What a worker is started with: the whole input, and which share of it is its own. */
export interface WorkerSetup {
  config: GuardConfig;
  now: string;
  versions: VersionScope;
  texts: InputText[];
  share: number;
  shares: number;
}

/** What a worker answers: how many items the input holds (first), results in chunks, then done. */
export type WorkerReply = { total: number } | { indexes: number[]; results: CheckResult[] } | { done: true };

const WORKER_URL = new URL(`./worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/** FNV-1a of a history: its worker. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** Which of `shares` workers checks item `index`. Every worker computes the same answer from the same input. */
export function shareOf(item: InputItem, index: number, versions: VersionScope, shares: number): number {
  const history = historyOfItem(item, versions);
  return (history === undefined ? index : hash(history)) % shares;
}

function defaultWorkers(texts: readonly InputText[]): number {
  const bytes = texts.reduce((sum, { text }) => sum + text.length, 0);
  const cores = availableParallelism();
  return bytes >= PARALLEL_FROM_BYTES && cores > 1 ? Math.min(cores, 8) : 0;
}

/**
 * Checks every item of `texts`; `onTotal` is told how many there are before the first result, then `onResult` is
 * called once per item, in input order.
 */
export async function checkBatch(
  texts: InputText[],
  options: BatchOptions,
  onResult: (result: CheckResult, index: number) => void,
  onTotal: (total: number) => void = () => undefined,
): Promise<void> {
  const shares = options.workers ?? defaultWorkers(texts);
  if (shares < 1) {
    const items = itemsOfTexts(texts);
    onTotal(items.length);
    const { Checker } = await import('./checker.ts');
    const checker = new Checker(options);
    items.forEach((item, index) => onResult(checker.check(item), index));
    return;
  }
  const results: (CheckResult | undefined)[] = [];
  let next = 0;
  let counted = false;
  const flush = (): void => {
    for (let result = results[next]; result !== undefined; result = results[next]) {
      results[next] = undefined;
      onResult(result, next);
      next++;
    }
  };
  const common = { config: options.config, now: options.now.toISOString(), versions: options.versions, texts, shares };
  await Promise.all(
    Array.from(
      { length: shares },
      (_, share) =>
        new Promise<void>((resolve, reject) => {
          const workerData: WorkerSetup = { ...common, share };
          const worker = new Worker(WORKER_URL, { workerData });
          let done = false;
          worker.on('message', (reply: WorkerReply) => {
            if ('done' in reply) {
              done = true;
            } else if ('total' in reply) {
              if (!counted) {
                counted = true;
                onTotal(reply.total);
              }
            } else {
              reply.indexes.forEach((index, i) => (results[index] = reply.results[i]));
              flush();
            }
          });
          worker.on('error', reject);
          worker.on('exit', (code) =>
            done ? resolve() : reject(new Error(`a sas-check worker stopped (exit ${code}) before its end`)),
          );
        }),
    ),
  );
}
