// meta.profile validation against StructureDefinitions stored in the host, and the admin surface the installer uses.
import { MedplumClient } from '@medplum/core';
import type { Project, StructureDefinition } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { loadConformanceResources } from '../../src/profiles/index.ts';
import { APPOINTMENT_SYSTEM, PROFILE_SAS, appointmentWithIdentifier } from '../fixtures/appointments.ts';
import { call, issuesText, startHost } from './helpers.ts';

let counter = 0;
const fresh = (): string => `prof-${Date.now()}-${++counter}`;
const cond = (value: string): string =>
  `fhir/R4/Appointment?identifier=${encodeURIComponent(`${APPOINTMENT_SYSTEM}|${value}`)}`;

describe('profile validation (StructureDefinitions stored in the host)', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(async () => {
    await host.close();
  });

  test('an unknown profile URL is skipped', async () => {
    const value = fresh();
    const body = { ...appointmentWithIdentifier(value), extension: undefined, meta: { profile: [PROFILE_SAS] } };
    const res = await call(host, 'PUT', cond(value), body);
    expect(res.status).toBe(201);
  });

  test('once FrAppointmentSAS is stored, a write violating it is 400; a conformant one passes', async () => {
    for (const resource of loadConformanceResources()) {
      const res = await call(host, 'POST', `fhir/R4/${resource.resourceType}`, resource);
      expect(res.status, res.text).toBe(201);
    }
    const value = fresh();
    const ok = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(ok.status, ok.text).toBe(201);
    const bad = await call(host, 'PUT', cond(fresh()), { ...appointmentWithIdentifier(value), extension: undefined });
    // ID-4 aside (same identifier in URL and body), the profile rejects the missing operator slice.
    const missing = await call(host, 'PUT', cond(value + '-x'), {
      ...appointmentWithIdentifier(value + '-x'),
      extension: undefined,
    });
    expect(bad.status).toBe(422); // the URL's identifier differs from the body's: ID-4 first
    expect(missing.status).toBe(400);
    expect(missing.body.resourceType).toBe('OperationOutcome');
  });

  test('a StructureDefinition without snapshot fails every write naming it: 400 "No snapshot defined"', async () => {
    const url = 'https://example.org/StructureDefinition/no-snapshot';
    const sd: StructureDefinition = {
      resourceType: 'StructureDefinition',
      url,
      name: 'NoSnapshot',
      status: 'active',
      kind: 'resource',
      abstract: false,
      type: 'Appointment',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Appointment',
      derivation: 'constraint',
      differential: { element: [{ id: 'Appointment', path: 'Appointment' }] },
    };
    expect((await call(host, 'POST', 'fhir/R4/StructureDefinition', sd)).status).toBe(201);
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), { ...appointmentWithIdentifier(value), meta: { profile: [url] } });
    expect(res.status).toBe(400);
    expect(issuesText(res.body)[0]).toMatch(/^No snapshot defined/);
  });
});

describe('admin surface', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({ token: 'secret-token', adminClient: { id: 'deployer', secret: 'deployer-secret' } });
  });
  afterAll(async () => {
    await host.close();
  });

  test('healthcheck is open; everything else needs the bearer token (401 OperationOutcome)', async () => {
    const health = await call(host, 'GET', 'healthcheck');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, version: expect.stringMatching(/^5\.2\.13/) as unknown });
    const denied = await call(host, 'GET', 'fhir/R4/Appointment');
    expect(denied.status).toBe(401);
    expect(denied.body.resourceType).toBe('OperationOutcome');
  });

  test('MedplumClient client-credentials login (the configured client only), auth/me, secrets, settings, metadata', async () => {
    const medplum = new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch });
    await expect(medplum.startClientLogin('any-client', 'any-secret')).rejects.toThrow(/Invalid client/);
    await expect(medplum.startClientLogin('deployer', 'wrong-secret')).rejects.toThrow(/Invalid secret/);
    const wrong = await call(
      host,
      'POST',
      'oauth2/token',
      'grant_type=client_credentials&client_id=x&client_secret=y',
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    expect(wrong.body).toEqual({ error: 'invalid_request', error_description: 'Invalid client' });
    await medplum.startClientLogin('deployer', 'deployer-secret');
    const me = await medplum.get<{ project: Project; membership: { admin?: boolean }; profile: { id?: string } }>(
      'auth/me',
    );
    expect(me.project.id).toBe(host.project.id);
    expect(me.profile.id).toBe('deployer');
    expect(me.membership.admin).toBe(true);
    expect((await medplum.readResource('Project', host.project.id)).features).toContain('bots');
    const afterSecrets = await medplum.post<Project>(`admin/projects/${host.project.id}/secrets`, [
      { name: 'A', valueString: '1' },
    ]);
    expect(afterSecrets.secret).toEqual([{ name: 'A', valueString: '1' }]);
    const afterSettings = await medplum.post<Project>(`admin/projects/${host.project.id}/settings`, [
      { name: 'preCommitSubscriptionsEnabled', valueBoolean: true },
      { name: 'x', valueString: 'y' },
    ]);
    expect(afterSettings.setting).toHaveLength(2);
    const metadata = await medplum.get<{ rest: { resource: Record<string, unknown>[] }[] }>('fhir/R4/metadata');
    const appointment = metadata.rest[0]?.resource.find((r) => r.type === 'Appointment');
    expect(appointment).toMatchObject({ conditionalUpdate: true, updateCreate: true });
  });

  test('FHIR CRUD of admin types and Bot $deploy through MedplumClient', async () => {
    const medplum = new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch });
    medplum.setAccessToken('secret-token');
    const bot = await medplum.createResource({ resourceType: 'Bot', name: 'b', runtimeVersion: 'vmcontext' });
    await medplum.post(medplum.fhirUrl('Bot', bot.id, '$deploy'), {
      code: 'exports.handler = () => 1;',
      filename: 'x.js',
    });
    const deployed = await medplum.readResource('Bot', bot.id);
    expect(deployed.executableCode).toMatchObject({ contentType: 'text/javascript', title: 'x.js' });
    expect(deployed.executableCode?.url).toMatch(/^Binary\//);
    const policy = await medplum.createResource({ resourceType: 'AccessPolicy', name: 'p' });
    expect((await medplum.searchResources('AccessPolicy', { name: 'p' })).map((p) => p.id)).toContain(policy.id);
  });
});
