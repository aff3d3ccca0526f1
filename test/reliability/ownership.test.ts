// Ownership and least privilege (issue 6) on the embedded host with sas-guard installed, a bearer token required and
// one trusted author: a second client cannot rewrite or cancel another's appointment (OW-1, judged by the owner
// recorded at creation, not by meta.author, which is the last writer); a trusted author can, and the creator keeps
// its appointment after the correction. The host refuses requests without the token (401 + OperationOutcome).
// The bot's failing reads reject the write, over HTTP.
import type { AccessPolicy, Appointment, Bundle, ClientApplication, ProjectMembership } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { desiredAccessPolicy } from '../../src/deploy/desired.ts';
import { getRequestContext } from '../../src/host/context.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { OWNER_TAG_SYSTEM } from '../../src/rules/sas-codes.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import type { Answer, CallOptions } from './helpers.ts';
import { answerProblem, conditionalPath, send, startInstalledHost, storedState } from './helpers.ts';

const TOKEN = 'reliability-test-token';
const CREATOR = 'ClientApplication/agenda-a';
const OTHER = 'ClientApplication/agenda-b';
const ADMIN = 'ClientApplication/sas-admin';

let host: RunningHost;

beforeAll(async () => {
  host = await startInstalledHost({ token: TOKEN, config: { trustedAuthors: ADMIN } });
});
afterAll(async () => {
  await host.close();
});

/** A request with the token, written by `author`. */
function as(author: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  return send(host, method, path, {
    ...options,
    headers: { authorization: `Bearer ${TOKEN}`, 'x-sas-guard-author': author, ...options.headers },
  });
}

function read(id: string): Promise<Answer> {
  return as(ADMIN, 'GET', `fhir/R4/Appointment/${id}`, { headers: { 'x-medplum': 'extended' } });
}

function ownerOf(answer: Answer): string | undefined {
  return (answer.json as Appointment).meta?.tag?.find((tag) => tag.system === OWNER_TAG_SYSTEM)?.code;
}

function expectRule(answer: Answer, rule: string): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(422);
  expect(answerProblem(answer)).toBeUndefined();
  expect(answer.text).toContain(rule);
}

async function createAs(author: string, value: string, changes: Partial<Appointment> = {}): Promise<string> {
  const created = await as(author, 'PUT', conditionalPath(value), {
    body: { ...appointmentWithIdentifier(value), ...changes },
  });
  expect(created.status, created.text.slice(0, 300)).toBe(201);
  return (created.json as Appointment).id as string;
}

describe('the bearer token (SAS_GUARD_TOKEN)', () => {
  test.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer not-the-token'],
    ['another scheme', `Basic ${TOKEN}`],
    ['an empty bearer', 'Bearer '],
  ])('%s → 401 with an OperationOutcome, nothing written', async (_name, authorization) => {
    const value = `unauthorized-${String(authorization)}`;
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const before = storedState(host);
    for (const [method, path, body] of [
      ['PUT', conditionalPath(value), appointmentWithIdentifier(value)],
      ['POST', 'fhir/R4/Appointment', appointmentWithIdentifier(value)],
      ['GET', 'fhir/R4/Appointment', undefined],
      ['GET', 'fhir/R4/metadata', undefined],
      [
        'POST',
        `admin/projects/${host.project.id}/secrets`,
        [{ name: 'SAS_GUARD_SEVERITIES', valueString: '{"OW-1":"off"}' }],
      ],
      ['POST', `admin/projects/${host.project.id}/settings`, []],
      ['PUT', `fhir/R4/Project/${host.project.id}`, { ...host.project, name: 'taken over' }],
      ['POST', 'fhir/R4/Subscription', { resourceType: 'Subscription', status: 'off' }],
    ] as const) {
      const answer = await send(host, method, path, { headers, body });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answerProblem(answer)).toBeUndefined();
    }
    // Nothing at all was written: every resource of every type, every version, as before.
    expect(storedState(host)).toBe(before);
  });

  test('/healthcheck stays open; with the token, writes pass through the bot (its own reads authenticate)', async () => {
    expect((await send(host, 'GET', 'healthcheck')).status).toBe(200);
    await createAs(CREATOR, 'with-token');
  });
});

describe('OW-1: one client cannot change another client’s appointment', () => {
  test('another client cannot rewrite, cancel, patch or re-own it; the stored version stays as it was', async () => {
    const value = 'owned-by-a';
    const id = await createAs(CREATOR, value);
    const before = await read(id);
    expect(ownerOf(before)).toBe(CREATOR);

    expectRule(
      await as(OTHER, 'PUT', conditionalPath(value), { body: { ...appointmentWithIdentifier(value), comment: 'b' } }),
      'OW-1',
    );
    expectRule(
      await as(OTHER, 'PUT', conditionalPath(value), {
        body: { ...appointmentWithIdentifier(value), status: 'cancelled' },
      }),
      'OW-1',
    );
    expectRule(
      await as(OTHER, 'PUT', `fhir/R4/Appointment/${id}`, {
        body: { ...appointmentWithIdentifier(value), id, status: 'cancelled' },
      }),
      'OW-1',
    );
    expectRule(
      await as(OTHER, 'PATCH', `fhir/R4/Appointment/${id}`, {
        body: [{ op: 'replace', path: '/status', value: 'cancelled' }],
        contentType: 'application/json-patch+json',
      }),
      'OW-1',
    );
    // Claiming the appointment in the body changes nothing: meta.author is the server's, the owner tag the bot's.
    expectRule(
      await as(OTHER, 'PUT', conditionalPath(value), {
        body: {
          ...appointmentWithIdentifier(value),
          status: 'cancelled',
          meta: {
            ...appointmentWithIdentifier(value).meta,
            author: { reference: OTHER },
            tag: [{ system: OWNER_TAG_SYSTEM, code: OTHER }],
          },
        },
      }),
      'OW-1',
    );
    expect((await read(id)).text).toBe(before.text);
  });

  test('a trusted author corrects; the creator can still update; the other client still cannot', async () => {
    const value = 'corrected-by-admin';
    const id = await createAs(CREATOR, value);

    const correction = await as(ADMIN, 'PUT', conditionalPath(value), {
      body: { ...appointmentWithIdentifier(value), comment: 'corrected by the SAS admin' },
    });
    expect(correction.status, correction.text.slice(0, 300)).toBe(200);
    const corrected = await read(id);
    // meta.author is now the admin (the last writer), the recorded owner is still the creator.
    expect((corrected.json as Appointment).meta?.author?.reference).toBe(ADMIN);
    expect(ownerOf(corrected)).toBe(CREATOR);

    const byCreator = await as(CREATOR, 'PUT', conditionalPath(value), {
      body: { ...appointmentWithIdentifier(value), status: 'cancelled' },
    });
    expect(byCreator.status, byCreator.text.slice(0, 300)).toBe(200);
    expect(ownerOf(await read(id))).toBe(CREATOR);

    expectRule(
      await as(OTHER, 'PUT', conditionalPath(value), {
        body: { ...appointmentWithIdentifier(value), status: 'cancelled', comment: 'b' },
      }),
      'OW-1',
    );
  });

  test('the owner is recorded by the bot: a forged owner tag at creation or its removal on update is ignored', async () => {
    const value = 'forged-owner';
    const id = await createAs(OTHER, value, {
      meta: { ...appointmentWithIdentifier(value).meta, tag: [{ system: OWNER_TAG_SYSTEM, code: CREATOR }] },
    });
    expect(ownerOf(await read(id))).toBe(OTHER);
    const stripped = await as(OTHER, 'PUT', conditionalPath(value), {
      body: {
        ...appointmentWithIdentifier(value),
        comment: 'tag removed',
        meta: { ...appointmentWithIdentifier(value).meta, tag: [] },
      },
    });
    expect(stripped.status, stripped.text.slice(0, 300)).toBe(200);
    expect(ownerOf(await read(id))).toBe(OTHER);
    // So the client named in the forged tag is not the owner.
    expectRule(
      await as(CREATOR, 'PUT', conditionalPath(value), { body: { ...appointmentWithIdentifier(value), comment: 'a' } }),
      'OW-1',
    );
  });

  test('another client’s identical re-send, or one changing only meta, or a PATCH of meta: 422 OW-1, nothing stored', async () => {
    const value = 'identical-resend';
    const id = await createAs(CREATOR, value);
    const before = await read(id);
    const same = appointmentWithIdentifier(value);
    const attempts: [string, Answer][] = [
      ['identical', await as(OTHER, 'PUT', conditionalPath(value), { body: same })],
      ['no profile', await as(OTHER, 'PUT', conditionalPath(value), { body: { ...same, meta: {} } })],
      [
        'a security label',
        await as(OTHER, 'PUT', conditionalPath(value), {
          body: { ...same, meta: { ...same.meta, security: [{ system: 'http://x', code: 'R' }] } },
        }),
      ],
      [
        'a foreign tag',
        await as(OTHER, 'PUT', conditionalPath(value), {
          body: { ...same, meta: { ...same.meta, tag: [{ system: 'http://editor-b', code: 'mine' }] } },
        }),
      ],
      [
        'PATCH /meta/tag',
        await as(OTHER, 'PATCH', `fhir/R4/Appointment/${id}`, {
          body: [{ op: 'add', path: '/meta/tag', value: [{ system: 'http://editor-b', code: 'mine' }] }],
          contentType: 'application/json-patch+json',
        }),
      ],
    ];
    for (const [what, answer] of attempts) {
      expect(answer.status, what).toBe(422);
      expect(answer.text, what).toContain('OW-1');
    }
    expect((await read(id)).text).toBe(before.text);
    // The owner's own identical re-send is the retry H7 accepts: 200, no new version.
    const retry = await as(CREATOR, 'PUT', conditionalPath(value), { body: same });
    expect(retry.status).toBe(200);
    expect((await read(id)).text).toBe(before.text);
  });
});

/** The AccessPolicy the installer stored for SAS clients. */
async function installedPolicy(): Promise<AccessPolicy | undefined> {
  const bundle = await as(ADMIN, 'GET', 'fhir/R4/AccessPolicy');
  const policies = ((bundle.json as Bundle<AccessPolicy>).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  return policies.find((p) => p.name === desiredAccessPolicy().name);
}

describe('least privilege: the AccessPolicy installed for SAS clients', () => {
  test('Appointment create and update, read and search of its own appointments only: no delete, no other type', async () => {
    const installed = await installedPolicy();
    expect(installed).toBeDefined();
    expect(installed?.resource).toEqual([
      { resourceType: 'Appointment', interaction: ['create', 'update'] },
      {
        resourceType: 'Appointment',
        interaction: ['read', 'search'],
        criteria: `Appointment?_tag=${OWNER_TAG_SYSTEM}|%profile`,
      },
    ]);
  });
});

describe('the installed AccessPolicy, enforced for clients whose ProjectMembership names it', () => {
  // On Medplum the policy refuses a forbidden interaction with 403 before the pre-commit bot runs; the bot could not
  // judge a DELETE anyway (it is shown the stored version, not the deleter's request).
  let clientA: string;
  let clientB: string;

  /** A ClientApplication and its ProjectMembership with the installed AccessPolicy, created over HTTP. */
  async function sasClient(name: string, policyId: string): Promise<string> {
    const app = await as(ADMIN, 'POST', 'fhir/R4/ClientApplication', {
      body: { resourceType: 'ClientApplication', name },
    });
    expect(app.status, app.text.slice(0, 300)).toBe(201);
    const reference = `ClientApplication/${(app.json as ClientApplication).id ?? ''}`;
    const membership = await as(ADMIN, 'POST', 'fhir/R4/ProjectMembership', {
      body: {
        resourceType: 'ProjectMembership',
        project: { reference: `Project/${host.project.id}` },
        user: { reference },
        profile: { reference },
        accessPolicy: { reference: `AccessPolicy/${policyId}` },
      } satisfies ProjectMembership,
    });
    expect(membership.status, membership.text.slice(0, 300)).toBe(201);
    return reference;
  }

  function expectForbidden(answer: Answer, what: string): void {
    expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBe(403);
    expect(answerProblem(answer), what).toBeUndefined();
  }

  beforeAll(async () => {
    const policy = await installedPolicy();
    clientA = await sasClient('agenda A (policy)', policy?.id ?? 'missing');
    clientB = await sasClient('agenda B (policy)', policy?.id ?? 'missing');
  });

  test("another client's DELETE → 403 (direct, conditional, in a batch); the appointment stays as it was", async () => {
    const value = 'delete-by-other';
    const id = await createAs(clientA, value);
    const before = await read(id);
    expectForbidden(await as(clientB, 'DELETE', `fhir/R4/Appointment/${id}`), 'DELETE');
    // Conditional: under isolation B's search does not see A's appointment, so nothing matches and nothing is deleted
    // (Medplum answers the same: its delete permission is checked on a match).
    const conditional = await as(clientB, 'DELETE', conditionalPath(value));
    expect(answerProblem(conditional)).toBeUndefined();
    expect(conditional.status === 403 || (conditional.status === 200 && conditional.text.includes('All OK'))).toBe(
      true,
    );
    const batch = await as(clientB, 'POST', 'fhir/R4', {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'DELETE', url: `Appointment/${id}` } }],
      } satisfies Bundle,
    });
    expect(batch.status, batch.text.slice(0, 300)).toBe(200);
    expect((batch.json as Bundle).entry?.[0]?.response?.status).toMatch(/^403/);
    expect((await read(id)).text).toBe(before.text);
  });

  test('no other type, no history, no admin endpoint: 403, nothing written', async () => {
    const own = await createAs(clientB, 'history-of-b');
    const patient = { resourceType: 'Patient', name: [{ family: 'Martin' }] };
    const attempts: [string, string, unknown][] = [
      ['POST', 'fhir/R4/Patient', patient],
      ['PUT', 'fhir/R4/Patient?identifier=x', patient],
      ['GET', 'fhir/R4/Patient', undefined],
      ['GET', 'fhir/R4/AccessPolicy', undefined],
      ['POST', 'fhir/R4/Subscription', { resourceType: 'Subscription', status: 'off' }],
      ['GET', `fhir/R4/Appointment/${own}/_history`, undefined],
      // Attempts to switch the rules off, or pre-commit bots, or to rewrite the project.
      [
        'POST',
        `admin/projects/${host.project.id}/secrets`,
        [{ name: 'SAS_GUARD_SEVERITIES', valueString: '{"OW-1":"off"}' }],
      ],
      ['POST', `admin/projects/${host.project.id}/settings`, []],
      ['PUT', `fhir/R4/Project/${host.project.id}`, { ...host.project, name: 'taken over' }],
    ];
    const before = storedState(host);
    for (const [method, path, body] of attempts) {
      expectForbidden(await as(clientB, method, path, { body }), `${method} ${path}`);
    }
    // Nothing at all was written: no Patient, no Subscription, the project's secrets and settings as they were.
    expect(storedState(host)).toBe(before);
  });

  test('the creator, under the same policy, still conditional-PUTs and reads its appointment; it cannot delete it', async () => {
    const value = 'owner-with-policy';
    const id = await createAs(clientA, value);
    const update = await as(clientA, 'PUT', conditionalPath(value), {
      body: { ...appointmentWithIdentifier(value), comment: 'updated by its creator' },
    });
    expect(update.status, update.text.slice(0, 300)).toBe(200);
    expect((await as(clientA, 'GET', `fhir/R4/Appointment/${id}`)).status).toBe(200);
    expectForbidden(await as(clientA, 'DELETE', `fhir/R4/Appointment/${id}`), 'DELETE by its creator');
    // B does not see A's appointment: its conditional PUT of A's identifier takes the create branch, which the bot
    // (searching unrestricted) refuses as a duplicate identifier; and B's PUT by id is not found.
    expectRule(
      await as(clientB, 'PUT', conditionalPath(value), { body: { ...appointmentWithIdentifier(value), comment: 'b' } }),
      'ID-3',
    );
    const byId = await as(clientB, 'PUT', `fhir/R4/Appointment/${id}`, {
      body: { ...appointmentWithIdentifier(value), id, comment: 'b' },
    });
    expect(byId.status, byId.text.slice(0, 200)).toBe(404);
  });
});

describe("the bot's failing reads reject the write (over HTTP)", () => {
  /** Makes the host fail every Appointment read or search made by the bot (its requests are authored by the Bot). */
  function failBotReads(kind: 'readResource' | 'search'): () => void {
    const repo = host.repo;
    const original = repo[kind].bind(repo) as (...args: unknown[]) => Promise<unknown>;
    const failing = (...args: unknown[]): Promise<unknown> => {
      const byBot = getRequestContext()?.author.reference?.startsWith('Bot/') === true;
      const type =
        kind === 'readResource' ? args[0] : (args[0] as { resourceType?: unknown } | undefined)?.resourceType;
      if (byBot && type === 'Appointment') {
        return Promise.reject(new Error('simulated storage failure'));
      }
      return original(...args);
    };
    Object.defineProperty(repo, kind, { value: failing, configurable: true, writable: true });
    return () => {
      delete (repo as unknown as Record<string, unknown>)[kind];
    };
  }

  test('the read of the previous version fails → the update is refused, the stored version unchanged', async () => {
    const value = 'bot-read-fails';
    const id = await createAs(CREATOR, value);
    const before = await read(id);
    const restore = failBotReads('readResource');
    let answer: Answer;
    try {
      answer = await as(CREATOR, 'PUT', conditionalPath(value), {
        body: { ...appointmentWithIdentifier(value), status: 'cancelled' },
      });
    } finally {
      restore();
    }
    // The bot throws a plain outcome with code `exception` and no id: Medplum answers 500, as this host does.
    expect(answer.status).toBe(500);
    expect((answer.json as { resourceType?: string }).resourceType).toBe('OperationOutcome');
    expect(answer.text).toContain("n'a pas pu lire");
    // No stack trace or source path, even in a 5xx.
    expect(answerProblem({ ...answer, status: 400 })).toBeUndefined();
    expect((await read(id)).text).toBe(before.text);
  });

  test('the identifier search fails → the creation is refused, nothing stored', async () => {
    const value = 'bot-search-fails';
    const restore = failBotReads('search');
    let answer: Answer;
    try {
      answer = await as(CREATOR, 'POST', 'fhir/R4/Appointment', { body: appointmentWithIdentifier(value) });
    } finally {
      restore();
    }
    expect(answer.status).toBe(500);
    expect((answer.json as { resourceType?: string }).resourceType).toBe('OperationOutcome');
    expect(answer.text).toContain("n'a pas pu vérifier");
    expect(answerProblem({ ...answer, status: 400 })).toBeUndefined();
    const search = await as(ADMIN, 'GET', `fhir/R4/Appointment?identifier=${encodeURIComponent(value)}`);
    expect((search.json as Bundle).entry ?? []).toHaveLength(0);
  });
});
