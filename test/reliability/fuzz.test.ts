// Fuzzing over HTTP (issue 6): seeded hostile requests against the embedded host with sas-guard installed. Never a
// 5xx, never a hang, every failure an OperationOutcome, no stack trace or source path in any answer, the sentinel
// appointment unchanged by rejected writes, and the host still serving afterwards.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import { createSentinel, runFuzz } from './fuzz-runner.ts';
import { answerProblem, conditionalPath, readStored, send, startInstalledHost, storedState } from './helpers.ts';

const SEED = Number(process.env.SAS_GUARD_FUZZ_SEED ?? 20240601);
const COUNT = Number(process.env.SAS_GUARD_FUZZ_COUNT ?? 200);
// Generous: the test sends every one of its COUNT requests (4 s on a quiet machine); the budget only stops a hang.
const TIME_BUDGET_MS = 80_000;

let host: RunningHost;
const hostLog: string[] = [];

beforeAll(async () => {
  host = await startInstalledHost({ log: (line) => hostLog.push(line) });
});
afterAll(async () => {
  await host.close();
});

describe('fuzzing the embedded host over HTTP', () => {
  test(`${COUNT} seeded hostile requests (seed ${SEED}): no 5xx, no hang, OperationOutcomes, no leak, no data loss`, async () => {
    const sentinel = await createSentinel(host, 'fuzz-sentinel');
    const report = await runFuzz(host, sentinel, {
      seed: SEED,
      count: COUNT,
      timeBudgetMs: TIME_BUDGET_MS,
      concurrency: 4,
    });
    console.log(JSON.stringify({ ...report, problems: report.problems.length }));
    expect(report.problems.slice(0, 10)).toEqual([]);
    expect(report.requests).toBe(COUNT);
    expect(report.statuses['error'] ?? 0).toBe(0);
    // Both sides of H6 were exercised.
    expect(report.sentinelWritesRejected).toBeGreaterThan(0);
    expect(report.sentinelWritesAccepted).toBeGreaterThan(0);
    // Still serving: a valid write and a read.
    const after = await send(host, 'PUT', conditionalPath('after-fuzz'), {
      body: appointmentWithIdentifier('after-fuzz'),
    });
    expect(after.status).toBe(201);
    expect((await send(host, 'GET', 'healthcheck')).status).toBe(200);
    expect(hostLog.filter((line) => line.startsWith('Internal error')).slice(0, 3)).toEqual([]);
  }, 120_000);

  test.each([
    ['an empty body on a conditional PUT', 'PUT', conditionalPath('empty'), ''],
    ['a JSON array', 'PUT', conditionalPath('array'), '[]'],
    ['JSON null', 'POST', 'fhir/R4/Appointment', 'null'],
    ['a scalar', 'POST', 'fhir/R4/Appointment', '42'],
    ['arrays nested 200,000 deep', 'PUT', conditionalPath('deep'), '['.repeat(200_000) + ']'.repeat(200_000)],
    ['random bytes', 'PUT', conditionalPath('bytes'), '\u00ff\u00fe\u0000garbage'],
  ])('%s → 4xx OperationOutcome', async (_name, method, path, body) => {
    const answer = await send(host, method, path, { body });
    expect(answerProblem(answer)).toBeUndefined();
    expect(answer.status).toBeGreaterThanOrEqual(400);
  });
});

// Found by this fuzz: `PUT [base]/Appointment` with no effective criteria was a conditional update matching every
// appointment, so it overwrote the only one when there was one. The SAS layer now refuses it (H2).
describe('a conditional update without effective criteria', () => {
  let lone: RunningHost;
  let id = '';
  beforeAll(async () => {
    lone = await startInstalledHost();
    const created = await send(lone, 'PUT', conditionalPath('lone'), { body: appointmentWithIdentifier('lone') });
    expect(created.status).toBe(201);
    id = (created.json as { id: string }).id;
  });
  afterAll(async () => {
    await lone.close();
  });

  test.each(['', '?', '?_format=json', '?identifier=', '?_id=', '?_count=5', '?_sort=date&_elements=id'])(
    'PUT Appointment%s → 400, the only appointment unchanged',
    async (query) => {
      const before = await readStored(lone, id);
      const answer = await send(lone, 'PUT', `fhir/R4/Appointment${query}`, {
        body: { ...appointmentWithIdentifier('lone'), status: 'cancelled' },
      });
      expect(answer.status).toBe(400);
      expect(answerProblem(answer)).toBeUndefined();
      expect((await readStored(lone, id)).text).toBe(before.text);
    },
  );

  // Found by the soak: `DELETE [base]/Project` (reached as `Appointment/%2e%2e/Project`) deleted the only project,
  // and every write answered 404 afterwards.
  test.each([
    'fhir/R4/Appointment',
    'fhir/R4/Appointment?_count=1',
    'fhir/R4/Project',
    'fhir/R4/Appointment/%2e%2e/Project',
  ])('DELETE %s (no effective criteria) → 400, nothing deleted, still serving', async (path) => {
    const before = await readStored(lone, id);
    const answer = await send(lone, 'DELETE', path);
    expect(answer.status).toBe(400);
    expect(answerProblem(answer)).toBeUndefined();
    expect((await readStored(lone, id)).text).toBe(before.text);
    const value = `after-delete-${encodeURIComponent(path)}`;
    const write = await send(lone, 'PUT', conditionalPath(value), { body: appointmentWithIdentifier(value) });
    expect(write.status).toBe(201);
  });
});

describe('a conditional create without effective criteria', () => {
  let lone: RunningHost;
  beforeAll(async () => {
    lone = await startInstalledHost();
    expect((await send(lone, 'PUT', conditionalPath('lone'), { body: appointmentWithIdentifier('lone') })).status).toBe(
      201,
    );
  });
  afterAll(async () => {
    await lone.close();
  });

  // It matched the only appointment: 200 with ANOTHER appointment, the new one never stored.
  test.each(['_count=1', '', 'identifier=', '_sort=date'])(
    'POST with If-None-Exist: %s → 400, nothing stored',
    async (criteria) => {
      const before = storedState(lone);
      const answer = await send(lone, 'POST', 'fhir/R4/Appointment', {
        body: appointmentWithIdentifier('if-none-exist'),
        headers: { 'if-none-exist': criteria },
      });
      expect(answer.status).toBe(400);
      expect(answerProblem(answer)).toBeUndefined();
      expect(storedState(lone)).toBe(before);
    },
  );
});

describe('what Node parses badly', () => {
  /** Writes `raw` on a new connection; the answer's status line and body. */
  function raw(text: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(host.url).port), '127.0.0.1', () => socket.end(text));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
        resolve({ status, body: answer.slice(answer.indexOf('\r\n\r\n') + 4) });
      });
    });
  }

  test.each([
    ['an absolute target that is not a URL', 'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a bad percent-encoding in the host', 'GET http://%zz/ HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a bad port', 'GET http://host:99999/fhir/R4/metadata HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a request line Node refuses', 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['headers too large', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s → %i with an OperationOutcome, no stack in the log, still serving', async (_name, request, status) => {
    const answer = await raw(request);
    expect(answer.status).toBe(status);
    expect((JSON.parse(answer.body) as { resourceType?: string }).resourceType).toBe('OperationOutcome');
    expect(hostLog.filter((line) => line.startsWith('Internal error'))).toEqual([]);
    expect((await send(host, 'GET', 'healthcheck')).status).toBe(200);
  });
});
