// The smoke test that ends a deploy: the only way to learn over the API whether the server flags are on. A deliberately
// invalid SAS appointment must be refused with 422 and a valid one created with 201; both are deleted afterwards.
import type { MedplumClient } from '@medplum/core';
import { normalizeErrorString } from '@medplum/core';
import type { Appointment, OperationOutcome } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import {
  IDENTIFIER_TYPE_SYSTEM,
  OID_IDNPS,
  OPERATOR_EXTENSION_URL,
  OWNER_TAG_SYSTEM,
  SAS_PROFILE_URL,
} from '../rules/sas-codes.ts';
import type { InstallCheck, SmokeTestResult } from './types.ts';

const SMOKE_TAG = { system: 'https://sas-guard.github.io/fhir/tags', code: 'deploy-smoke-test' };

/** A valid booked SAS appointment (as the IG's ExampleAppointmentBooked) with a fresh identifier, tomorrow. */
export function smokeValidAppointment(now = new Date()): Appointment {
  const start = new Date(now.getTime() + 24 * 3600 * 1000);
  start.setUTCHours(10, 0, 0, 0);
  const end = new Date(start.getTime() + 15 * 60 * 1000);
  return {
    resourceType: 'Appointment',
    meta: { profile: [SAS_PROFILE_URL], tag: [SMOKE_TAG] },
    extension: [
      {
        url: OPERATOR_EXTENSION_URL,
        valueReference: {
          identifier: {
            type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: 'IDNPS' }] },
            system: OID_IDNPS,
            value: '3456780581/11242343',
          },
        },
      },
    ],
    identifier: [{ system: 'urn:oid:1.1.111.1.11.1.1.1', value: `sas-guard-smoke-${randomUUID()}` }],
    status: 'booked',
    start: start.toISOString(),
    end: end.toISOString(),
    created: now.toISOString(),
    participant: [
      {
        actor: {
          identifier: {
            type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: 'IDNPS' }] },
            system: OID_IDNPS,
            value: '810000000009',
          },
        },
        status: 'accepted',
      },
    ],
  };
}

/** The "Mise à jour" page's update example: participant status `refused`, not an R4 code (rule ST-2, 422). */
export function smokeViolation(now = new Date()): Appointment {
  const appointment = smokeValidAppointment(now);
  return {
    ...appointment,
    status: 'cancelled',
    participant: [{ ...appointment.participant[0], status: 'refused' as 'accepted' }],
  };
}

interface RawResponse {
  status: number;
  body: unknown;
}

async function post(medplum: MedplumClient, resource: Appointment): Promise<RawResponse> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/fhir+json',
    Accept: 'application/fhir+json',
  };
  const token = medplum.getAccessToken();
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  const response = await fetch(medplum.fhirUrl('Appointment').toString(), {
    method: 'POST',
    headers,
    body: JSON.stringify(resource),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

function outcomeText(body: unknown): string {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType === 'OperationOutcome') {
    return (outcome.issue ?? [])
      .map((issue) => issue.details?.text ?? issue.diagnostics ?? issue.code)
      .join('; ')
      .slice(0, 300);
  }
  return typeof body === 'string' ? body.slice(0, 300) : '';
}

/** The bot records the creating writer in a meta tag of every appointment it lets through: proof that it ran. */
function markedByBot(response: RawResponse): boolean {
  const body = response.body as Appointment | undefined;
  return body?.meta?.tag?.some((tag) => tag.system === OWNER_TAG_SYSTEM) === true;
}

function createdId(response: RawResponse): string | undefined {
  const body = response.body as { resourceType?: string; id?: string } | undefined;
  return response.status < 300 && body?.resourceType === 'Appointment' ? body.id : undefined;
}

export interface SmokeOutcome {
  result: SmokeTestResult;
  checks: InstallCheck[];
}

const SERVER_FLAGS_FIX =
  'In the Medplum server configuration (medplum.config.json of the server, or the MEDPLUM_* environment), set ' +
  '"preCommitSubscriptionsEnabled": true and "vmContextBotsEnabled": true, then restart the server.';

/** Runs the smoke test, deletes what it wrote, and says which server flag is off when it fails. */
export async function runSmokeTest(medplum: MedplumClient, log: (line: string) => void): Promise<SmokeOutcome> {
  const cleanedUp: string[] = [];
  const checks: InstallCheck[] = [];
  const cleanup = async (id: string | undefined): Promise<void> => {
    if (!id) {
      return;
    }
    try {
      await medplum.deleteResource('Appointment', id);
      cleanedUp.push(`Appointment/${id}`);
    } catch (err) {
      log(`smoke test: could not delete Appointment/${id}: ${normalizeErrorString(err)}`);
    }
  };

  log('smoke test: POST Appointment (violation: participant.status "refused"), expecting 422');
  const violation = await post(medplum, smokeViolation());
  await cleanup(createdId(violation));
  log('smoke test: POST Appointment (valid SAS appointment), expecting 201');
  const valid = await post(medplum, smokeValidAppointment());
  await cleanup(createdId(valid));

  const violationText = outcomeText(violation.body);
  let message: string;
  let passed = false;
  if (violation.status === 422 && valid.status === 201) {
    passed = true;
    message = 'a violation answers 422 and a valid appointment 201: the pre-commit bot is enforcing';
    checks.push(
      { name: 'server flag preCommitSubscriptionsEnabled', status: 'ok', message: 'on (the bot ran before the write)' },
      {
        name: 'server flag vmContextBotsEnabled',
        status: 'ok',
        message: 'on (the vmcontext bot ran)',
      },
    );
  } else if (violation.status >= 200 && violation.status < 300 && markedByBot(violation)) {
    message =
      'the bot ran but let the violation through (201): rule ST-2 is configured "off" or "warning" in SAS_GUARD_SEVERITIES, so the smoke test cannot prove the 422';
    checks.push({
      name: 'smoke test violation',
      status: 'warning',
      message: 'pre-commit bots run (the bot marked the appointment), but the deliberate ST-2 violation was accepted',
      fix: 'Leave ST-2 at "error" in SAS_GUARD_SEVERITIES, or check the 422 by hand with an appointment violating a rule you enforce.',
    });
  } else if (violation.status >= 200 && violation.status < 300) {
    message = `the violation was accepted (${violation.status}): pre-commit bots do not run on this server`;
    checks.push({
      name: 'server flag preCommitSubscriptionsEnabled',
      status: 'error',
      message: 'pre-commit subscriptions are off: an invalid appointment was stored (then deleted)',
      fix:
        'Set "preCommitSubscriptionsEnabled": true in the Medplum SERVER configuration and restart it ' +
        '(the project setting preCommitSubscriptionsEnabled, set by deploy, is needed as well).',
    });
  } else if (violation.status === 400 && /unknown error/i.test(violationText)) {
    message = 'every Appointment write fails with 400 "Unknown error": pre-commit is on but the bot cannot run';
    checks.push({
      name: 'server flag vmContextBotsEnabled',
      status: 'error',
      message: 'the bot cannot run (400 "Unknown error" on every Appointment write)',
      fix:
        'Set "vmContextBotsEnabled": true in the Medplum SERVER configuration and restart it; check that the ' +
        'Bot has runtimeVersion vmcontext, deployed code and a ProjectMembership (deploy does all three). Until ' +
        'then every Appointment write fails: run `sas-guard deploy --uninstall` if clients must keep writing.',
    });
  } else if (violation.status === 422) {
    message = `the violation answers 422 but a valid appointment answers ${valid.status}: ${outcomeText(valid.body)}`;
  } else {
    message = `the violation answers ${violation.status} (422 expected): ${violationText}`;
    if (violation.status === 400 && valid.status === 400) {
      checks.push({
        name: 'bot execution',
        status: 'error',
        message: `every Appointment write fails with 400 "${violationText}": the bot fails before judging`,
        fix:
          "Read the bot's AuditEvents (Medplum app: the Bot → Event) for the failure; redeploy with `npm run deploy`. " +
          'Until it is fixed every Appointment write fails: `npm run deploy -- --uninstall` lets clients write again.',
      });
    }
  }
  log(`smoke test: ${passed ? 'passed' : 'FAILED'}: ${message}`);
  return {
    result: { violationStatus: violation.status, validStatus: valid.status, passed, message, cleanedUp },
    checks,
  };
}

export const SMOKE_SKIPPED_FIX = SERVER_FLAGS_FIX;
