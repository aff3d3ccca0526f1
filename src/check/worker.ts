// A sas-check worker thread (see batch.ts): parses the whole input, checks its share of the items with its own
// Checker, in order, and sends the results back in chunks. node20 first: @medplum/core needs it on Node 20, in a
// worker as in the main thread.
import '../node20.ts';
import { parentPort, workerData } from 'node:worker_threads';
import { shareOf } from './batch.ts';
import type { WorkerReply, WorkerSetup } from './batch.ts';
import { Checker } from './checker.ts';
import type { CheckResult } from './checker.ts';
import { itemsOfTexts } from './inputs.ts';

const CHUNK = 200;
const setup = workerData as WorkerSetup;
const send = (reply: WorkerReply): void => parentPort?.postMessage(reply);

const items = itemsOfTexts(setup.texts);
send({ total: items.length });
const checker = new Checker({ config: setup.config, now: new Date(setup.now), versions: setup.versions });
let indexes: number[] = [];
let results: CheckResult[] = [];
items.forEach((item, index) => {
  if (shareOf(item, index, setup.versions, setup.shares) !== setup.share) {
    return;
  }
  indexes.push(index);
  results.push(checker.check(item));
  if (results.length === CHUNK) {
    send({ indexes, results });
    indexes = [];
    results = [];
  }
});
send({ indexes, results });
send({ done: true });
