// sas-guard deploy against the embedded host started bare (what `npm start -- --bare` serves): install, idempotence,
// dry run, uninstall, configuration secrets and project setting round trips.
import { MedplumClient } from '@medplum/core';
import type { Appointment, OperationOutcome, Project, ResourceType } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { bundleBot } from '../../src/build/bot-bundle.ts';
import { installSasGuard, uninstallSasGuard } from '../../src/deploy/installer.ts';
import { runSmokeTest } from '../../src/deploy/smoke.ts';
import { ruleIdOf } from '../../src/rules/engine.ts';
import type { InstallOptions, InstallReport } from '../../src/deploy/types.ts';
import type { RunningHost } from '../../src/host/server.ts';
import { start } from '../../src/host/server.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier, specRefusedBody } from '../fixtures/appointments.ts';

const TYPES: ResourceType[] = [
  'StructureDefinition',
  'ValueSet',
  'CodeSystem',
  'Bot',
  'Subscription',
  'AccessPolicy',
  'ProjectMembership',
  'Binary',
  'Project',
  'Appointment',
];

let botCode: string;

beforeAll(async () => {
  botCode = await bundleBot();
});

interface Host {
  host: RunningHost;
  medplum: MedplumClient;
}

const running: RunningHost[] = [];

async function bareHost(): Promise<Host> {
  const host = await start({ bare: true, port: 0, log: () => undefined });
  running.push(host);
  return { host, medplum: new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch, cacheTime: 0 }) };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((host) => host.close()));
});

function install(medplum: MedplumClient, options: InstallOptions = {}): Promise<InstallReport> {
  return installSasGuard(medplum, { botCode, ...options });
}

/** Every stored resource of the types deploy touches, as `Type/id@versionId`. */
async function snapshot(medplum: MedplumClient, withVersions = true): Promise<string[]> {
  const all: string[] = [];
  for (const type of TYPES) {
    const bundle = await medplum.search(type, { _count: '1000' }, { cache: 'no-cache' });
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (resource?.id) {
        all.push(`${type}/${resource.id}${withVersions ? `@${resource.meta?.versionId ?? ''}` : ''}`);
      }
    }
  }
  return all.sort();
}

async function post(host: RunningHost, resource: Appointment): Promise<{ status: number; text: string }> {
  const response = await fetch(`${host.baseUrl}/Appointment`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  return { status: response.status, text: await response.text() };
}

/** The 422 of the spec page's refused body (ST-2, and TM-2 for its 2022 date), by rule id: severity and text. */
async function refusal(host: RunningHost): Promise<Record<string, { severity?: string; text?: string }>> {
  const refused = await post(host, {
    ...specRefusedBody(),
    identifier: [{ system: APPOINTMENT_SYSTEM, value: randomUUID() }],
  });
  expect(refused.status).toBe(422);
  const outcome = JSON.parse(refused.text) as OperationOutcome;
  const byRule: Record<string, { severity?: string; text?: string }> = {};
  for (const issue of outcome.issue) {
    byRule[ruleIdOf(issue) ?? ''] = { severity: issue.severity, text: issue.details?.text };
  }
  return byRule;
}

function actions(report: InstallReport): string[] {
  return [...new Set(report.items.map((item) => item.action))].sort();
}

describe('deploy into a bare embedded host', () => {
  test('installs everything; then a violation answers 422 and a valid appointment 201', async () => {
    const { host, medplum } = await bareHost();
    // Bare: no bot, so no rule runs.
    expect(
      (await post(host, { ...specRefusedBody(), identifier: [{ system: APPOINTMENT_SYSTEM, value: randomUUID() }] }))
        .status,
    ).toBe(201);

    const report = await install(medplum, { smokeTest: true });
    expect(report.ok, JSON.stringify(report.checks)).toBe(true);
    expect(report.smokeTest).toMatchObject({ passed: true, violationStatus: 422, validStatus: 201 });
    expect(report.smokeTest?.cleanedUp).toHaveLength(1);
    const kinds = report.items.filter((i) => i.action === 'created').map((i) => i.kind);
    for (const kind of [
      'StructureDefinition',
      'ValueSet',
      'Bot',
      'BotCode',
      'ProjectMembership',
      'Subscription',
      'AccessPolicy',
    ]) {
      expect(kinds).toContain(kind);
    }
    expect(report.botId).toBeTruthy();

    const violation = { ...specRefusedBody(), identifier: [{ system: APPOINTMENT_SYSTEM, value: randomUUID() }] };
    const refused = await post(host, violation);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.text).toContain('ST-2');
    const valid = await post(host, appointmentWithIdentifier(randomUUID()));
    expect(valid.status, valid.text).toBe(201);
  });

  test('a second deploy reports everything unchanged and changes no resource version', async () => {
    const { medplum } = await bareHost();
    await install(medplum, { config: { language: 'en', severities: '{"PS-2":"off"}' } });
    const before = await snapshot(medplum);
    const second = await install(medplum, { config: { language: 'en', severities: '{"PS-2":"off"}' } });
    expect(actions(second)).toEqual(['unchanged']);
    expect(second.items.length).toBeGreaterThanOrEqual(14);
    expect(await snapshot(medplum)).toEqual(before);
  });

  test('--dry-run changes nothing, on a bare host and on an installed one', async () => {
    const { medplum } = await bareHost();
    const bare = await snapshot(medplum);
    const plan = await install(medplum, { dryRun: true, smokeTest: true, config: { language: 'en' } });
    expect(plan.mode).toBe('dry-run');
    expect(actions(plan)).toEqual(['unchanged', 'would create']);
    expect(plan.items.find((i) => i.kind === 'Bot')?.action).toBe('would create');
    expect(plan.smokeTest).toBeUndefined();
    expect(await snapshot(medplum)).toEqual(bare);

    const installed = await install(medplum);
    const policy = await medplum.readResource('AccessPolicy', installed.accessPolicyId ?? '');
    await medplum.updateResource({ ...policy, resource: [{ resourceType: 'Appointment' }] });
    const changed = await snapshot(medplum);
    const replan = await install(medplum, { dryRun: true, botCode: botCode + '\n// v2' });
    expect(replan.items.find((i) => i.kind === 'AccessPolicy')?.action).toBe('would update');
    expect(replan.items.find((i) => i.kind === 'BotCode')?.action).toBe('would update');
    expect(await snapshot(medplum)).toEqual(changed);

    const uninstallPlan = await uninstallSasGuard(medplum, { dryRun: true });
    expect(actions(uninstallPlan)).toContain('would delete');
    expect(await snapshot(medplum)).toEqual(changed);
  });

  test('--uninstall leaves the host as bare as it started', async () => {
    const { host, medplum } = await bareHost();
    const bareResources = await snapshot(medplum, false);
    const bareProject = await medplum.readResource('Project', host.project.id);

    const report = await install(medplum, {
      smokeTest: true,
      config: { language: 'en', trustedAuthors: 'ClientApplication/abc' },
    });
    expect(report.ok).toBe(true);
    // A redeploy of changed code leaves more Binaries behind: uninstall removes them too.
    await install(medplum, { botCode: botCode + '\n// v2' });
    const removed = await uninstallSasGuard(medplum);
    expect(removed.items.filter((i) => i.action === 'deleted').length).toBeGreaterThanOrEqual(14);

    expect(await snapshot(medplum, false)).toEqual(bareResources);
    const project: Project = await medplum.readResource('Project', host.project.id);
    expect(project.secret ?? []).toEqual(bareProject.secret ?? []);
    expect(project.setting).toEqual(bareProject.setting);

    const again = await uninstallSasGuard(medplum);
    expect(actions(again).filter((a) => a !== 'kept')).toEqual(['absent']);
  });
});

describe('configuration and project setting', () => {
  test('secrets: ours written, the project’s other secrets kept (Medplum replaces the whole list)', async () => {
    const { host, medplum } = await bareHost();
    await medplum.post(`admin/projects/${host.project.id}/secrets`, [{ name: 'OTHER', valueString: 'keep me' }]);

    const first = await install(medplum, { config: { language: 'en', severities: '{"TM-2":"error"}' } });
    expect(first.items.filter((i) => i.kind === 'ProjectSecret').map((i) => `${i.name} ${i.action}`)).toEqual([
      'SAS_GUARD_LANGUAGE created',
      'SAS_GUARD_SEVERITIES created',
    ]);
    let project: Project = await medplum.readResource('Project', host.project.id);
    expect(project.secret).toEqual([
      { name: 'OTHER', valueString: 'keep me' },
      { name: 'SAS_GUARD_LANGUAGE', valueString: 'en' },
      { name: 'SAS_GUARD_SEVERITIES', valueString: '{"TM-2":"error"}' },
    ]);
    // The bot answers in the configured language, with the configured severities.
    const english = await refusal(host);
    expect(english['ST-2']?.text).toMatch(/^Participant status "refused" is not a FHIR R4 code/);
    expect(english['TM-2']?.severity).toBe('error');

    const second = await install(medplum, { config: { language: 'fr', severities: '' } });
    expect(second.items.filter((i) => i.kind === 'ProjectSecret').map((i) => `${i.name} ${i.action}`)).toEqual([
      'SAS_GUARD_LANGUAGE updated',
      'SAS_GUARD_SEVERITIES deleted',
    ]);
    // Back to French, and TM-2 back to its default severity.
    const french = await refusal(host);
    expect(french['ST-2']?.text).toMatch(/^Le statut de participant « refused » n'existe pas/);
    expect(french['TM-2']?.severity).toBe('warning');

    await uninstallSasGuard(medplum);
    project = await medplum.readResource('Project', host.project.id);
    expect(project.secret).toEqual([{ name: 'OTHER', valueString: 'keep me' }]);
  });

  test('an invalid configuration is refused before anything is written', async () => {
    const { medplum } = await bareHost();
    const before = await snapshot(medplum);
    await expect(install(medplum, { config: { language: 'de' } })).rejects.toThrow(/SAS_GUARD_LANGUAGE/);
    await expect(install(medplum, { config: { severities: '{"XX-1":"off"}' } })).rejects.toThrow(/unknown rule/);
    expect(await snapshot(medplum)).toEqual(before);
  });

  test('the project setting is turned on when off, and put back by --uninstall', async () => {
    const { host, medplum } = await bareHost();
    await medplum.post(`admin/projects/${host.project.id}/settings`, [{ name: 'other', valueString: 'x' }]);
    const report = await install(medplum, { smokeTest: true });
    expect(report.items.find((i) => i.kind === 'ProjectSetting')?.action).toBe('created');
    expect(report.smokeTest?.passed).toBe(true);
    let project: Project = await medplum.readResource('Project', host.project.id);
    expect(project.setting).toEqual([
      { name: 'other', valueString: 'x' },
      { name: 'preCommitSubscriptionsEnabled', valueBoolean: true },
    ]);
    await uninstallSasGuard(medplum);
    project = await medplum.readResource('Project', host.project.id);
    expect(project.setting).toEqual([{ name: 'other', valueString: 'x' }]);
  });

  test('with the project setting left off, the smoke test is not run and the check says what to set', async () => {
    const { host, medplum } = await bareHost();
    await medplum.post(`admin/projects/${host.project.id}/settings`, []);
    const report = await install(medplum, { smokeTest: true, enablePreCommitSetting: false });
    expect(report.ok).toBe(false);
    const check = report.checks.find((c) => c.name === 'project setting preCommitSubscriptionsEnabled');
    expect(check?.status).toBe('error');
    expect(check?.fix).toContain('"valueBoolean": true');
    expect(report.smokeTest).toBeUndefined();
  });
});

describe('change detection', () => {
  test('new bot code is redeployed once; a bot field changed by hand is put back', async () => {
    const { medplum } = await bareHost();
    const first = await install(medplum);
    const botId = first.botId ?? '';
    const redeploy = await install(medplum, { botCode: botCode + '\n// v2' });
    expect(redeploy.items.find((i) => i.kind === 'BotCode')?.action).toBe('updated');
    expect(redeploy.items.find((i) => i.kind === 'Bot')?.action).toBe('updated');
    const stable = await install(medplum, { botCode: botCode + '\n// v2' });
    expect(actions(stable)).toEqual(['unchanged']);

    const bot = await medplum.readResource('Bot', botId);
    await medplum.updateResource({ ...bot, auditEventTrigger: 'always' });
    const fixed = await install(medplum, { botCode: botCode + '\n// v2' });
    expect(fixed.items.find((i) => i.kind === 'Bot')?.action).toBe('updated');
    expect(fixed.items.find((i) => i.kind === 'BotCode')?.action).toBe('unchanged');
    expect((await medplum.readResource('Bot', botId)).auditEventTrigger).toBe('on-error');

    // Someone redeployed with the medplum CLI: deploy notices and puts its own bundle back.
    await medplum.post(medplum.fhirUrl('Bot', botId, '$deploy'), { code: 'exports.handler = async () => undefined;' });
    const restored = await install(medplum, { botCode: botCode + '\n// v2' });
    expect(restored.items.find((i) => i.kind === 'BotCode')).toMatchObject({
      action: 'updated',
      detail: 'redeployed by someone else since',
    });
  });

  test('a conformance resource edited on the server is updated; one missing is created', async () => {
    const { medplum } = await bareHost();
    await install(medplum);
    const [sd] = await medplum.searchResources('StructureDefinition', {
      url: 'http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS',
    });
    if (!sd) {
      throw new Error('FrAppointmentSAS not installed');
    }
    await medplum.updateResource({ ...sd, description: 'edited' });
    const [vs] = await medplum.searchResources('ValueSet', {
      url: 'http://sas.fr/fhir/ValueSet/sas-participant-status',
    });
    await medplum.deleteResource('ValueSet', vs?.id ?? '');
    const report = await install(medplum);
    expect(report.items.find((i) => i.name === 'http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS')?.action).toBe(
      'updated',
    );
    expect(report.items.find((i) => i.name === 'http://sas.fr/fhir/ValueSet/sas-participant-status')?.action).toBe(
      'created',
    );
  });

  test('uninstall keeps an AccessPolicy still attached to a membership, unless forced', async () => {
    const { host, medplum } = await bareHost();
    const report = await install(medplum);
    const membership = await medplum.createResource({
      resourceType: 'ProjectMembership',
      project: { reference: `Project/${host.project.id}` },
      user: { reference: 'ClientApplication/sas-client' },
      profile: { reference: 'ClientApplication/sas-client' },
      accessPolicy: { reference: `AccessPolicy/${report.accessPolicyId ?? ''}` },
    });
    const kept = await uninstallSasGuard(medplum);
    expect(kept.items.find((i) => i.kind === 'AccessPolicy')).toMatchObject({ action: 'kept' });
    const forced = await uninstallSasGuard(medplum, { force: true });
    expect(forced.items.find((i) => i.kind === 'AccessPolicy')).toMatchObject({ action: 'deleted' });
    await medplum.deleteResource('ProjectMembership', membership.id);
  });
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((host) => host.close()));
});

describe('smoke test diagnoses', () => {
  test('no bot running: the violation is stored, deleted again, and the server flag is named', async () => {
    const { medplum } = await bareHost();
    const before = await snapshot(medplum);
    const { result, checks } = await runSmokeTest(medplum, () => undefined);
    expect(result).toMatchObject({ passed: false, violationStatus: 201, validStatus: 201 });
    expect(result.cleanedUp).toHaveLength(2);
    expect(checks[0]).toMatchObject({ name: 'server flag preCommitSubscriptionsEnabled', status: 'error' });
    expect(checks[0]?.fix).toContain('SERVER configuration');
    expect(await snapshot(medplum)).toEqual(before);
  });

  test('a bot that fails on every write: reported, not blamed on the rules', async () => {
    const { medplum } = await bareHost();
    const report = await install(medplum, {
      botCode: 'exports.handler = async () => { throw new Error("boom"); };',
      smokeTest: true,
    });
    expect(report.ok).toBe(false);
    expect(report.smokeTest).toMatchObject({ passed: false, violationStatus: 400, validStatus: 400 });
    expect(report.checks.find((c) => c.name === 'bot execution')?.message).toContain('boom');
    // Fixing the code fixes the deployment.
    expect((await install(medplum, { smokeTest: true })).ok).toBe(true);
  });

  test('ST-2 configured off: the bot runs and accepts the violation; a warning, not a server flag', async () => {
    const { medplum } = await bareHost();
    const report = await install(medplum, { smokeTest: true, config: { severities: '{"ST-2":"off"}' } });
    expect(report.smokeTest).toMatchObject({ passed: false, violationStatus: 201, validStatus: 201 });
    expect(report.checks.find((c) => c.name === 'smoke test violation')?.status).toBe('warning');
    expect(report.checks.some((c) => c.name.startsWith('server flag') && c.status === 'error')).toBe(false);
  });
});
