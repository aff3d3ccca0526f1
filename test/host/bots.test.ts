// Pre-commit bots run as Medplum runs them: trivial bots deployed over HTTP, then writes through the SAS layer.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier } from '../fixtures/appointments.ts';
import { call, deployPreCommitBot, issuesText, startHost } from './helpers.ts';

let host: RunningHost;
let counter = 0;
const fresh = (): string => `bot-${Date.now()}-${++counter}`;
const cond = (value: string): string =>
  `fhir/R4/Appointment?identifier=${encodeURIComponent(`${APPOINTMENT_SYSTEM}|${value}`)}`;

beforeEach(async () => {
  host = await startHost();
});
afterEach(async () => {
  await host.close();
});

const REJECT_CANCELLED = `
exports.handler = async function (medplum, event) {
  const appointment = event.input;
  if (appointment.status === 'cancelled') {
    throw {
      resourceType: 'OperationOutcome',
      id: 'business-rule',
      extension: [{ url: 'https://example.org/lost', valueString: 'overwritten by the server' }],
      issue: [
        { severity: 'error', code: 'business-rule', details: { text: 'no cancel' }, expression: ['Appointment.status'] },
        { severity: 'warning', code: 'business-rule', details: { text: 'second issue' } },
      ],
    };
  }
  return true;
};
`;

describe('pre-commit bot outcomes', () => {
  test('a thrown plain OperationOutcome with id business-rule → 422 with its issues; root extension overwritten', async () => {
    await deployPreCommitBot(host, REJECT_CANCELLED);
    const value = fresh();
    const created = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(created.status).toBe(201);
    const res = await call(host, 'PUT', cond(value), { ...appointmentWithIdentifier(value), status: 'cancelled' });
    expect(res.status).toBe(422);
    expect(issuesText(res.body)).toEqual(['no cancel', 'second issue']);
    const extension = res.body.extension as { url: string }[];
    expect(extension.map((e) => e.url)).toEqual(['https://medplum.com/fhir/StructureDefinition/tracing']);
  });

  test('a rejected write leaves the stored version exactly as it was (H6)', async () => {
    await deployPreCommitBot(host, REJECT_CANCELLED);
    const value = fresh();
    const created = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    const before = await call(host, 'GET', `fhir/R4/Appointment/${created.body.id}`, undefined, {
      'x-medplum': 'extended',
    });
    const rejected = await call(host, 'PUT', cond(value), { ...appointmentWithIdentifier(value), status: 'cancelled' });
    expect(rejected.status).toBe(422);
    const after = await call(host, 'GET', `fhir/R4/Appointment/${created.body.id}`, undefined, {
      'x-medplum': 'extended',
    });
    expect(after.text).toBe(before.text);
    expect(after.headers.get('etag')).toBe(created.headers.get('etag'));
    const history = await call(host, 'GET', `fhir/R4/Appointment/${created.body.id}/_history`);
    expect((history.body.entry as unknown[]).length).toBe(1);
  });

  test('a thrown Error → 400 with its message', async () => {
    await deployPreCommitBot(host, `exports.handler = async () => { throw new Error('boom from bot'); };`);
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(400);
    expect(issuesText(res.body)).toEqual(['boom from bot']);
    expect(res.text).not.toContain('at ');
  });

  test("an OperationOutcomeError from the bot's own CJS @medplum/core → 400 (not instanceof the host's)", async () => {
    await deployPreCommitBot(
      host,
      `const { OperationOutcomeError, businessRule } = require('@medplum/core');
       exports.handler = async () => { throw new OperationOutcomeError(businessRule('k', 'rule text')); };`,
    );
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(400);
    expect(issuesText(res.body)).toEqual(['rule text']);
  });

  test('a returned resource with the same type and id replaces the one written', async () => {
    await deployPreCommitBot(
      host,
      `exports.handler = async (medplum, event) => ({ ...event.input, comment: 'set by bot' });`,
    );
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(201);
    expect(res.body.comment).toBe('set by bot');
    const stored = await call(host, 'GET', `fhir/R4/Appointment/${res.body.id}`);
    expect(stored.body.comment).toBe('set by bot');
  });

  test('a returned OperationOutcome or another resource lets the write proceed unchanged', async () => {
    await deployPreCommitBot(
      host,
      `exports.handler = async (medplum, event) => ({ ...event.input, id: 'other', comment: 'ignored' });`,
    );
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(201);
    expect(res.body.comment).toBeUndefined();
  });

  test('a bot with no deployed code fails every matching write with 400 "Unknown error"', async () => {
    await deployPreCommitBot(host, 'exports.handler = async () => true;');
    const bots = await call(host, 'GET', 'fhir/R4/Bot');
    const bot = (bots.body.entry as { resource: Record<string, unknown> }[])[0]?.resource ?? {};
    await call(host, 'PUT', `fhir/R4/Bot/${bot.id as string}`, { ...bot, executableCode: undefined });
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(400);
    expect(issuesText(res.body)).toEqual(['Unknown error']);
    // Other resource types are not concerned.
    const other = await call(host, 'POST', 'fhir/R4/Patient', { resourceType: 'Patient' });
    expect(other.status).toBe(201);
  });

  test('a bot that runs past Bot.timeout (synchronous loop) fails the write with 400', async () => {
    await deployPreCommitBot(host, `exports.handler = async () => { while (true) {} };`, 'Appointment', {
      timeout: 1,
    });
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(400);
    expect(issuesText(res.body)[0]).toMatch(/timed out/);
  });
});

describe('what the bot sees', () => {
  test('event: input with id and injected meta.author, no headers, secrets; HTTP reads back into the host', async () => {
    await deployPreCommitBot(
      host,
      `exports.handler = async (medplum, event) => {
         let previous = 'none';
         try {
           previous = (await medplum.readResource('Appointment', event.input.id)).status;
         } catch (err) {
           previous = 'not found';
         }
         const found = await medplum.searchResources('Appointment', { identifier: event.input.identifier[0].value });
         const report = {
           id: event.input.id,
           author: event.input.meta.author.reference,
           profile: event.input.meta.profile,
           headers: event.headers,
           contentType: event.contentType,
           secret: event.secrets.SAS_GUARD_LANGUAGE && event.secrets.SAS_GUARD_LANGUAGE.valueString,
           bot: event.bot.reference,
           previous,
           found: found.length,
           core: typeof require('@medplum/core').getReferenceString,
         };
         return { ...event.input, comment: JSON.stringify(report) };
       };`,
    );
    await call(host, 'POST', `admin/projects/${host.project.id}/secrets`, [
      { name: 'SAS_GUARD_LANGUAGE', valueString: 'en' },
    ]);
    const value = fresh();
    const headers = { 'x-sas-guard-author': 'ClientApplication/abc' };
    const created = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value), headers);
    expect(created.status).toBe(201);
    const first = JSON.parse(created.body.comment as string) as Record<string, unknown>;
    expect(first).toMatchObject({
      id: created.body.id,
      author: 'ClientApplication/abc',
      headers: {},
      contentType: 'application/fhir+json',
      secret: 'en',
      previous: 'not found',
      found: 0,
      core: 'function',
    });
    expect(first.bot).toMatch(/^Bot\//);
    const updated = await call(host, 'PUT', cond(value), { ...appointmentWithIdentifier(value), status: 'noshow' });
    const second = JSON.parse(updated.body.comment as string) as Record<string, unknown>;
    expect(second).toMatchObject({ id: created.body.id, previous: 'booked', found: 1 });
    // meta.author is the last writer, visible with X-Medplum: extended only.
    const plainRead = await call(host, 'GET', `fhir/R4/Appointment/${created.body.id}`);
    expect((plainRead.body.meta as Record<string, unknown>).author).toBeUndefined();
  });

  test('a Subscription without the pre-commit extension, or for another type, runs nothing', async () => {
    await deployPreCommitBot(host, `exports.handler = async () => { throw new Error('must not run'); };`, 'Patient');
    const value = fresh();
    const res = await call(host, 'PUT', cond(value), appointmentWithIdentifier(value));
    expect(res.status).toBe(201);
  });
});
