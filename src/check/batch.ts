// Checks the items of some input texts and hands the results back in input order: in this thread, or, for a large
// batch on a machine with several cores, in worker threads (worker.ts). The workers start first (loading the
// definitions and profiles takes them ~0.3 s) while this thread parses the input; each is then sent its share: every
// version of one appointment (one history) goes to the same worker, in input order, so each worker's Checker judges
// exactly what a single Checker would; items without a history (no identifier, --versions none, not an Appointment)
// are dealt out in turn. An item is sent as its JSON text when it has one (cheaper than a parsed resource).
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

/** Below this (≈ 6,000 appointments), starting workers (~0.4 s of CPU each) costs more than it saves. */
const PARALLEL_FROM_BYTES = 5_000_000;

/** What a worker is started with. */
export interface WorkerSetup {
  config: GuardConfig;
  now: string;
  versions: VersionScope;
}

/** An item as sent to a worker: with its JSON text instead of its resource when it has one. */
export type SentItem = Omit<InputItem, 'resource'> & { resource?: unknown };

/** What a worker is sent, once: its share of the items and their indexes in the whole input. */
export interface WorkerTask {
  indexes: number[];
  items: SentItem[];
}

/** What a worker answers: results in chunks, then done. */
export type WorkerReply = { indexes: number[]; results: CheckResult[] } | { done: true };

const WORKER_URL = new URL(`./worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/** FNV-1a of a history: its worker. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

function defaultWorkers(texts: readonly InputText[]): number {
  const bytes = texts.reduce((sum, { text }) => sum + text.length, 0);
  const cores = availableParallelism();
  return bytes >= PARALLEL_FROM_BYTES && cores > 1 ? Math.min(cores, 8) : 0;
}

/** The worker shares: by history, else in turn. */
function deal(items: readonly InputItem[], versions: VersionScope, shares: number): WorkerTask[] {
  const tasks: WorkerTask[] = Array.from({ length: shares }, () => ({ indexes: [], items: [] }));
  items.forEach((item, index) => {
    const history = historyOfItem(item, versions);
    const task = tasks[(history === undefined ? index : hash(history)) % shares];
    task?.indexes.push(index);
    task?.items.push(item.text === undefined ? item : { ...item, resource: undefined });
  });
  return tasks;
}

/** Runs one worker on its task; `onReply` gets its results as they come. */
function runWorker(worker: Worker, task: WorkerTask, onReply: (indexes: number[], results: CheckResult[]) => void) {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    worker.on('message', (reply: WorkerReply) => {
      if ('done' in reply) {
        done = true;
      } else {
        onReply(reply.indexes, reply.results);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      done ? resolve() : reject(new Error(`a sas-check worker stopped (exit ${code}) before its end`)),
    );
    worker.postMessage(task);
  });
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
  const setup: WorkerSetup = { config: options.config, now: options.now.toISOString(), versions: options.versions };
  const workers = Array.from({ length: shares }, () => new Worker(WORKER_URL, { workerData: setup }));
  const items = itemsOfTexts(texts);
  onTotal(items.length);
  if (shares < 1) {
    const { Checker } = await import('./checker.ts');
    const checker = new Checker(options);
    items.forEach((item, index) => onResult(checker.check(item), index));
    return;
  }
  const results: (CheckResult | undefined)[] = [];
  let next = 0;
  const collect = (indexes: number[], chunk: CheckResult[]): void => {
    indexes.forEach((index, i) => (results[index] = chunk[i]));
    for (let result = results[next]; result !== undefined; result = results[next]) {
      results[next] = undefined;
      onResult(result, next);
      next++;
    }
  };
  const tasks = deal(items, options.versions, shares);
  await Promise.all(workers.map((worker, i) => runWorker(worker, tasks[i] ?? { indexes: [], items: [] }, collect)));
}
