// A sas-check worker thread (see batch.ts): loads the definitions and profiles, then checks the share of the items it
// is sent with its own Checker, in order, and sends the results back in chunks. node20 first: @medplum/core needs it
// on Node 20, in a worker as in the main thread.
import '../node20.ts';
import { parentPort, workerData } from 'node:worker_threads';
import type { SentItem, WorkerReply, WorkerSetup, WorkerTask } from './batch.ts';
import { Checker } from './checker.ts';
import type { InputItem } from './inputs.ts';

const CHUNK = 200;
const setup = workerData as WorkerSetup;
const checker = new Checker({ config: setup.config, now: new Date(setup.now), versions: setup.versions });
const send = (reply: WorkerReply): void => parentPort?.postMessage(reply);

/** The item as read: its resource parsed again from the text it was read from. */
function received(item: SentItem): InputItem {
  return item.text === undefined ? item : { ...item, resource: JSON.parse(item.text) as unknown };
}

parentPort?.once('message', ({ indexes, items }: WorkerTask) => {
  for (let start = 0; start < items.length; start += CHUNK) {
    const results = items.slice(start, start + CHUNK).map((item) => checker.check(received(item)));
    send({ indexes: indexes.slice(start, start + CHUNK), results });
  }
  send({ done: true });
  parentPort?.close();
});
