// Runs seeded hostile requests against a host and checks, after each: no 5xx, every failure an OperationOutcome with
// no stack trace or source path (H4), the sentinel appointment unchanged byte for byte after a rejected write and
// readable at once with the returned versionId after an accepted one (H6). Bounded in count and in time.
import type { RunningHost } from '../../src/host/server.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import type { FuzzCase, Sentinel } from './fuzz-cases.ts';
import { fuzzCase } from './fuzz-cases.ts';
import type { Answer } from './helpers.ts';
import { answerProblem, conditionalPath, fetchAnswer, readStored, seededRandom, send } from './helpers.ts';

export interface FuzzOptions {
  seed: number;
  /** At most this many requests. */
  count: number;
  /** Stop early after this long. */
  timeBudgetMs: number;
  /** Requests in flight at once (the sentinel's checks stay exact: its requests run alone). */
  concurrency?: number;
  onProgress?: (done: number) => void;
}

export interface FuzzReport {
  requests: number;
  statuses: Record<string, number>;
  kinds: Record<string, number>;
  /** Slowest answer of each kind, ms. */
  slowest: Record<string, number>;
  problems: string[];
  sentinelWritesAccepted: number;
  sentinelWritesRejected: number;
  durationMs: number;
  maxRssBytes: number;
}

function sendCase(host: RunningHost, fuzz: FuzzCase): Promise<Answer> {
  return fetchAnswer(host.url + fuzz.path, { method: fuzz.method, headers: fuzz.headers, body: fuzz.body });
}

function describeCase(fuzz: FuzzCase): string {
  const body = fuzz.body === undefined ? '' : typeof fuzz.body === 'string' ? fuzz.body : `<${fuzz.body.length} bytes>`;
  return `${fuzz.kind}: ${fuzz.method} /${fuzz.path.slice(0, 120)} ${body.slice(0, 160)}`;
}

export async function createSentinel(host: RunningHost, value: string): Promise<Sentinel> {
  const created = await send(host, 'PUT', conditionalPath(value), { body: appointmentWithIdentifier(value) });
  const id = (created.json as { id?: string } | undefined)?.id;
  if (created.status !== 201 || !id) {
    throw new Error(`sentinel not created: ${created.status} ${created.text.slice(0, 300)}`);
  }
  return { id, value };
}

export async function runFuzz(host: RunningHost, sentinel: Sentinel, options: FuzzOptions): Promise<FuzzReport> {
  const random = seededRandom(options.seed);
  const started = Date.now();
  const report: FuzzReport = {
    requests: 0,
    statuses: {},
    kinds: {},
    slowest: {},
    problems: [],
    sentinelWritesAccepted: 0,
    sentinelWritesRejected: 0,
    durationMs: 0,
    maxRssBytes: process.memoryUsage().rss,
  };
  let stored = (await readStored(host, sentinel.id)).text;

  const record = (fuzz: FuzzCase, answer: Answer | Error, ms: number): void => {
    report.requests++;
    report.slowest[fuzz.kind] = Math.max(report.slowest[fuzz.kind] ?? 0, ms);
    report.kinds[fuzz.kind] = (report.kinds[fuzz.kind] ?? 0) + 1;
    const key = answer instanceof Error ? 'error' : String(answer.status);
    report.statuses[key] = (report.statuses[key] ?? 0) + 1;
    const problem = answer instanceof Error ? `no answer (${answer.name}: ${answer.message})` : answerProblem(answer);
    if (problem && report.problems.length < 50) {
      report.problems.push(`${problem} ← ${describeCase(fuzz)}`);
    }
    report.maxRssBytes = Math.max(report.maxRssBytes, process.memoryUsage().rss);
  };

  const runOne = async (fuzz: FuzzCase): Promise<void> => {
    let answer: Answer | Error;
    const sent = Date.now();
    try {
      answer = await sendCase(host, fuzz);
    } catch (error) {
      answer = error instanceof Error ? error : new Error(String(error));
    }
    record(fuzz, answer, Date.now() - sent);
    if (!fuzz.targetsSentinel || answer instanceof Error || fuzz.method === 'GET') {
      return;
    }
    const now = await readStored(host, sentinel.id);
    if (answer.status === 200 || answer.status === 201) {
      // Accepted: readable at once, with the versionId the write returned.
      report.sentinelWritesAccepted++;
      const returned = /^W\/"(.+)"$/.exec(answer.headers.get('etag') ?? '')?.[1];
      const body = answer.json as { id?: string; meta?: { versionId?: string } } | undefined;
      if (body?.id === sentinel.id) {
        const current = (now.json as { meta?: { versionId?: string } } | undefined)?.meta?.versionId;
        if (!returned || returned !== current || body.meta?.versionId !== current) {
          report.problems.push(`accepted write not readable with its versionId ← ${describeCase(fuzz)}`);
        }
      }
      stored = now.text;
    } else if (answer.status === 204 || answer.status === 410) {
      report.problems.push(`the sentinel was deleted (${answer.status}) ← ${describeCase(fuzz)}`);
    } else {
      report.sentinelWritesRejected++;
      if (now.text !== stored) {
        report.problems.push(`rejected write (${answer.status}) changed the stored version ← ${describeCase(fuzz)}`);
        stored = now.text;
      }
    }
  };

  const concurrency = Math.max(1, options.concurrency ?? 1);
  const inFlight = new Set<Promise<void>>();
  for (let serial = 0; serial < options.count; serial++) {
    if (Date.now() - started > options.timeBudgetMs) {
      break;
    }
    const fuzz = fuzzCase(random, sentinel, serial);
    if (fuzz.targetsSentinel) {
      // Alone: nothing else runs while the sentinel is written and read back.
      await Promise.all(inFlight);
      await runOne(fuzz);
    } else {
      const task = runOne(fuzz).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= concurrency) {
        await Promise.race(inFlight);
      }
    }
    options.onProgress?.(serial + 1);
  }
  await Promise.all(inFlight);
  report.durationMs = Date.now() - started;
  return report;
}
