// Parallel writers (issue 6) on the embedded host with sas-guard installed: many concurrent conditional PUTs of mixed
// contents on one identifier store exactly one appointment whose final version is one of the bodies sent, with no
// 5xx; concurrent POSTs of one identifier create one (the host serialises writes per identifier, POST included, and
// the bot's ID-3 search then sees the first).
import type { Appointment, Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import type { Answer } from './helpers.ts';
import { answerProblem, conditionalPath, content, pick, seededRandom, send, startInstalledHost } from './helpers.ts';

const WRITERS = 40;
let host: RunningHost;

beforeAll(async () => {
  host = await startInstalledHost();
  // Warm up: open the connections and compile the write path, so that every test's burst really overlaps (a cold
  // host answers the first burst nearly one by one, and would hide a missing lock).
  for (const round of [1, 2]) {
    await Promise.all(
      Array.from({ length: WRITERS }, (_, n) =>
        send(host, 'PUT', conditionalPath(`warm-up-${round}`), {
          body: { ...appointmentWithIdentifier(`warm-up-${round}`), comment: `${n}` },
        }),
      ),
    );
  }
});
afterAll(async () => {
  await host.close();
});

async function stored(value: string): Promise<Appointment[]> {
  const bundle = await send(host, 'GET', `fhir/R4/Appointment?identifier=${encodeURIComponent(value)}`);
  return ((bundle.json as Bundle<Appointment>).entry ?? []).flatMap((entry) =>
    entry.resource ? [entry.resource] : [],
  );
}

/** Mixed contents for one identifier: valid variants, lifecycle moves the rules may refuse, and rule violations. */
function mixedBody(value: string, random: () => number, n: number): Appointment {
  const base = appointmentWithIdentifier(value);
  const variant = pick(random, ['comment', 'status', 'violation', 'same']);
  if (variant === 'comment') {
    return { ...base, comment: `writer ${n}` };
  }
  if (variant === 'status') {
    return { ...base, status: pick(random, ['booked', 'fulfilled', 'noshow', 'cancelled'] as const) };
  }
  if (variant === 'violation') {
    // ST-2: `refused` is not an R4 participant status; the bot refuses it (422).
    return { ...base, participant: [{ ...base.participant[0], status: 'refused' as 'accepted' }] };
  }
  return base;
}

function expectNoProblems(answers: Answer[]): void {
  const problems = answers.flatMap((answer) => {
    const problem = answerProblem(answer);
    return problem ? [problem] : [];
  });
  expect(problems.slice(0, 5)).toEqual([]);
}

describe('parallel writers on one identifier', () => {
  test.each([1, 2, 3])(
    `${WRITERS} concurrent conditional PUTs of mixed contents store one appointment, last version one of the bodies (seed %i)`,
    async (seed) => {
      const random = seededRandom(seed);
      const value = `parallel-put-${seed}`;
      const bodies = Array.from({ length: WRITERS }, (_, n) => mixedBody(value, random, n));
      const answers = await Promise.all(bodies.map((body) => send(host, 'PUT', conditionalPath(value), { body })));

      expectNoProblems(answers);
      const statuses = answers.map((a) => a.status);
      expect(statuses.every((s) => s === 200 || s === 201 || s === 422)).toBe(true);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);

      const appointments = await stored(value);
      expect(appointments).toHaveLength(1);
      const final = appointments[0] as Appointment;
      // The final version is one of the bodies sent, and one that a 2xx answer returned.
      const accepted = answers.filter((a) => a.status === 200 || a.status === 201);
      expect(bodies.map(content)).toContain(content(final));
      const returnedVersions = accepted.map((a) => (a.json as Appointment).meta?.versionId);
      expect(returnedVersions).toContain(final.meta?.versionId);
      // Every accepted answer names the same appointment, and its version is in the history.
      expect(new Set(accepted.map((a) => (a.json as Appointment).id))).toEqual(new Set([final.id]));
      for (const versionId of new Set(returnedVersions)) {
        const version = await send(host, 'GET', `fhir/R4/Appointment/${final.id}/_history/${versionId}`);
        expect(version.status).toBe(200);
      }
    },
  );

  test('20 concurrent POSTs of one identifier create one; the others are refused by ID-3 (422)', async () => {
    const value = 'parallel-post';
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        send(host, 'POST', 'fhir/R4/Appointment', { body: { ...appointmentWithIdentifier(value), comment: `${n}` } }),
      ),
    );
    expectNoProblems(answers);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(19);
    for (const refused of answers.filter((a) => a.status === 422)) {
      expect(refused.text).toContain('ID-3');
    }
    expect(await stored(value)).toHaveLength(1);
  });

  test('POSTs and conditional PUTs of one identifier racing each other store one appointment', async () => {
    const value = 'parallel-mixed';
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        n % 2 === 0
          ? send(host, 'POST', 'fhir/R4/Appointment', { body: appointmentWithIdentifier(value) })
          : send(host, 'PUT', conditionalPath(value), {
              body: { ...appointmentWithIdentifier(value), comment: `${n}` },
            }),
      ),
    );
    expectNoProblems(answers);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(await stored(value)).toHaveLength(1);
  });

  test('writers on 10 identifiers at once: one appointment each, none lost or doubled', async () => {
    const values = Array.from({ length: 10 }, (_, n) => `parallel-many-${n}`);
    const answers = await Promise.all(
      values.flatMap((value) =>
        Array.from({ length: 6 }, (_, n) =>
          n % 3 === 0
            ? send(host, 'POST', 'fhir/R4/Appointment', { body: appointmentWithIdentifier(value) })
            : send(host, 'PUT', conditionalPath(value), {
                body: { ...appointmentWithIdentifier(value), comment: `${n}` },
              }),
        ),
      ),
    );
    expectNoProblems(answers);
    for (const value of values) {
      expect(await stored(value)).toHaveLength(1);
    }
  });
});
