// Two editors on an installed host, each a real SAS client created as an admin does (POST admin/projects/:id/client
// with the installed AccessPolicy) and logged in with MedplumClient. `/auth/me` answers each its own identity and no
// secret (issue 13, medium 6). A bare identifier (`?identifier=<value>`, the spec's form without `system|`) never
// lets one editor block another (issue 13, medium 2): both book the same value under their own systems. A
// bare value resolves among the caller's own appointments only (isolation), so each one's cancellation reaches its
// own appointment, whoever booked first; the platform, a trusted author that sees every appointment, gets 412 for an
// ambiguous bare value and names the system instead.
import { MedplumClient } from '@medplum/core';
import type { AccessPolicy, Appointment, Bundle, ProjectMembership } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { installSasGuard } from '../../src/deploy/installer.ts';
import { ACCESS_POLICY_NAME } from '../../src/deploy/desired.ts';
import { start } from '../../src/host/server.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { appointmentWithIdentifier } from '../fixtures/appointments.ts';
import type { Answer } from './helpers.ts';
import { answerProblem, fetchAnswer, sasGuardBotCode, storedState } from './helpers.ts';

const DEPLOYER = { id: 'deployer', secret: 'deployer-secret' };
const SYSTEM_A = 'urn:oid:1.2.250.1.999.1';
const SYSTEM_B = 'urn:oid:1.2.250.1.999.2';

interface Caller {
  medplum: MedplumClient;
  reference: string;
  secret: string;
}

let host: RunningHost;
let admin: MedplumClient;
let editorA: Caller;
let editorB: Caller;
let platform: Caller;

function client(): MedplumClient {
  return new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch });
}

/** A ClientApplication made by the admin (with the SAS AccessPolicy, or none for the platform), logged in. */
async function newClient(name: string, accessPolicy?: AccessPolicy): Promise<Caller> {
  const created = await admin.post<{ id: string; secret: string }>(`admin/projects/${host.project.id}/client`, {
    name,
    ...(accessPolicy ? { accessPolicy: { reference: `AccessPolicy/${accessPolicy.id ?? ''}` } } : {}),
  });
  const medplum = client();
  await medplum.startClientLogin(created.id, created.secret);
  return { medplum, reference: `ClientApplication/${created.id}`, secret: created.secret };
}

/** A SAS conditional update by `caller`, with Node's fetch; `query` is the identifier as sent. */
function put(caller: Caller, query: string, appointment: Appointment): Promise<Answer> {
  return fetchAnswer(`${host.url}fhir/R4/Appointment?identifier=${encodeURIComponent(query)}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${caller.medplum.getAccessToken() ?? ''}`,
      'content-type': 'application/fhir+json',
    },
    body: JSON.stringify(appointment),
  });
}

function booking(system: string, value: string, changes: Partial<Appointment> = {}): Appointment {
  const base = appointmentWithIdentifier(value);
  return { ...base, identifier: [{ system, value }], ...changes };
}

function expectStatus(answer: Answer, status: number): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(answerProblem(answer)).toBeUndefined();
}

async function stored(id: string): Promise<Appointment> {
  return platform.medplum.readResource('Appointment', id, { cache: 'no-cache' });
}

function idOf(answer: Answer): string {
  return (answer.json as Appointment).id ?? '';
}

beforeAll(async () => {
  const botCode = await sasGuardBotCode();
  host = await start({
    port: 0,
    host: '127.0.0.1',
    token: 'host-admin-token',
    adminClient: DEPLOYER,
    log: () => undefined,
    install: (medplum) => installSasGuard(medplum, { botCode }),
  });
  admin = client();
  await admin.startClientLogin(DEPLOYER.id, DEPLOYER.secret);
  const policies = await admin.searchResources('AccessPolicy', { name: ACCESS_POLICY_NAME });
  editorA = await newClient('agenda A', policies[0]);
  editorB = await newClient('agenda B', policies[0]);
  platform = await newClient('SAS platform');
  // The admin names the platform a trusted author by running the deploy again with the setting.
  await installSasGuard(admin, { botCode, config: { trustedAuthors: platform.reference } });
});
afterAll(async () => {
  await host.close();
});

describe('/auth/me for an editor', () => {
  test('its own membership, profile and policy; no secret, nobody else', async () => {
    const answer = await fetchAnswer(`${host.url}auth/me`, {
      headers: { authorization: `Bearer ${editorA.medplum.getAccessToken() ?? ''}` },
    });
    expectStatus(answer, 200);
    const me = answer.json as {
      project: Record<string, unknown>;
      membership: ProjectMembership;
      profile: Record<string, unknown>;
      accessPolicy?: AccessPolicy;
    };
    expect(me.membership.profile?.reference).toBe(editorA.reference);
    expect(me.membership.admin).toBeFalsy();
    expect(me.profile.id).toBe(editorA.reference.split('/')[1]);
    expect(me.accessPolicy?.resource?.filter((entry) => entry.resourceType === 'Appointment').length).toBe(2);
    expect(me.project.id).toBe(host.project.id);
    // No secret of any kind: not its own, not the deployer's, not the project's (the trusted authors secret is set).
    expect(me.project).not.toHaveProperty('secret');
    expect(me.profile).not.toHaveProperty('secret');
    for (const secret of [editorA.secret, DEPLOYER.secret, 'SAS_GUARD_TRUSTED_AUTHORS', editorB.reference]) {
      expect(answer.text).not.toContain(secret);
    }
  });
});

describe('a bare identifier value between two editors', () => {
  test('A books first, B books the same value under its system: both 201; each bare cancellation reaches its own', async () => {
    const value = 'shared-value-1';
    const a = await put(editorA, `${SYSTEM_A}|${value}`, booking(SYSTEM_A, value));
    expectStatus(a, 201);
    const b = await put(editorB, `${SYSTEM_B}|${value}`, booking(SYSTEM_B, value));
    expectStatus(b, 201);
    expect(idOf(b)).not.toBe(idOf(a));

    const cancelA = await put(editorA, value, booking(SYSTEM_A, value, { status: 'cancelled' }));
    expectStatus(cancelA, 200);
    expect(cancelA.headers.get('location')).toMatch(new RegExp(`/Appointment/${idOf(a)}$`));
    expect((await stored(idOf(a))).status).toBe('cancelled');
    expect((await stored(idOf(b))).status).toBe('booked');

    const cancelB = await put(editorB, value, booking(SYSTEM_B, value, { status: 'cancelled' }));
    expectStatus(cancelB, 200);
    expect(idOf(cancelB)).toBe(idOf(b));
    expect((await stored(idOf(b))).status).toBe('cancelled');
  });

  test("B books first: A's booking of the value, bare or with its system, is created, not refused", async () => {
    const value = 'shared-value-2';
    expectStatus(await put(editorB, `${SYSTEM_B}|${value}`, booking(SYSTEM_B, value)), 201);
    const bare = await put(editorA, value, booking(SYSTEM_A, value));
    expectStatus(bare, 201);
    const other = 'shared-value-3';
    expectStatus(await put(editorB, `${SYSTEM_B}|${other}`, booking(SYSTEM_B, other)), 201);
    expectStatus(await put(editorA, `${SYSTEM_A}|${other}`, booking(SYSTEM_A, other)), 201);
  });

  test("a bare search or read by B never shows A's appointment", async () => {
    const value = 'shared-value-4';
    const a = await put(editorA, `${SYSTEM_A}|${value}`, booking(SYSTEM_A, value));
    expectStatus(a, 201);
    const found = await editorB.medplum.search('Appointment', { identifier: value }, { cache: 'no-cache' });
    expect(found.entry ?? []).toEqual([]);
    await expect(editorB.medplum.readResource('Appointment', idOf(a), { cache: 'no-cache' })).rejects.toThrow(
      /Not found/,
    );
  });

  test('the same value under the same system stays one appointment (ID-3): B cannot book it, nothing written', async () => {
    const value = 'shared-value-5';
    expectStatus(await put(editorA, `${SYSTEM_A}|${value}`, booking(SYSTEM_A, value)), 201);
    const before = storedState(host);
    for (const query of [`${SYSTEM_A}|${value}`, value]) {
      const taken = await put(editorB, query, booking(SYSTEM_A, value));
      expectStatus(taken, 422);
      expect(taken.text).toContain('ID-3');
    }
    expect(storedState(host)).toBe(before);
  });

  test('the platform sees both: a bare value matching two is 412, nothing written; with the system it corrects one', async () => {
    const value = 'shared-value-6';
    const a = await put(editorA, `${SYSTEM_A}|${value}`, booking(SYSTEM_A, value));
    expectStatus(a, 201);
    expectStatus(await put(editorB, `${SYSTEM_B}|${value}`, booking(SYSTEM_B, value)), 201);
    const both = await platform.medplum.search('Appointment', { identifier: value }, { cache: 'no-cache' });
    expect((both as Bundle).entry?.length).toBe(2);

    const before = storedState(host);
    const ambiguous = await put(platform, value, booking(SYSTEM_A, value, { status: 'cancelled' }));
    expectStatus(ambiguous, 412);
    expect(storedState(host)).toBe(before);

    const named = await put(platform, `${SYSTEM_A}|${value}`, booking(SYSTEM_A, value, { status: 'cancelled' }));
    expectStatus(named, 200);
    expect(idOf(named)).toBe(idOf(a));
  });
});
