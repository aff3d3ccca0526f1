// The Medplum adapter of the rules engine: what the pre-commit bot does on every Appointment write.
import { normalizeErrorString } from '@medplum/core';
import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Appointment, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { ConfigError, parseBotSecrets } from '../rules/config.ts';
import { identifierKey, isRecord } from '../rules/read.ts';
import { errorOutcome } from '../http/types.ts';
import { capIssues } from '../rules/limits.ts';
import { judgeWrite, wantsProfileIssues, withProfileIssues } from '../rules/write.ts';
import { profileIssues } from './profile-issues.ts';

/**
 * A plain OperationOutcome object to throw. Medplum maps the status from `id` (business-rule → 422; none, with
 * code `exception` → 500); an OperationOutcomeError would be another copy's class to the server and give 400.
 */
function failure(text: string): OperationOutcome {
  return errorOutcome('exception', text);
}

function isNotFound(error: unknown): boolean {
  const outcome = isRecord(error) && isRecord(error.outcome) ? error.outcome : undefined;
  return outcome?.id === 'not-found' || (isRecord(error) && error.status === 404);
}

async function readPrevious(medplum: MedplumClient, id: string): Promise<Appointment | undefined> {
  try {
    // `X-Medplum: extended` keeps meta.author in the answer (OW-1 falls back to it when no owner tag was recorded).
    return await medplum.readResource('Appointment', id, { cache: 'no-cache', headers: { 'X-Medplum': 'extended' } });
  } catch (error) {
    if (isNotFound(error)) {
      return undefined;
    }
    console.error(`sas-guard: reading Appointment/${id} failed: ${normalizeErrorString(error)}`);
    throw failure(
      `sas-guard n'a pas pu lire la version enregistrée du RDV ; l'écriture est refusée plutôt que non contrôlée. Réessayez. (${normalizeErrorString(error)})`,
    );
  }
}

async function findIdentifierHolders(medplum: MedplumClient, appointment: unknown): Promise<string[] | undefined> {
  const key = identifierKey(appointment);
  if (!key) {
    return undefined;
  }
  try {
    const bundle = await medplum.search(
      'Appointment',
      { identifier: `${key.system}|${key.value}`, _count: '2', _elements: 'id' },
      { cache: 'no-cache' },
    );
    return (bundle.entry ?? []).flatMap((entry) => (entry.resource?.id ? [entry.resource.id] : []));
  } catch (error) {
    console.error(`sas-guard: searching Appointment?identifier failed: ${normalizeErrorString(error)}`);
    throw failure(
      `sas-guard n'a pas pu vérifier l'unicité de l'identifiant du RDV ; l'écriture est refusée plutôt que non contrôlée. Réessayez. (${normalizeErrorString(error)})`,
    );
  }
}

function isAppointment(input: unknown): input is Appointment {
  return isRecord(input) && input.resourceType === 'Appointment';
}

function describe(issue: OperationOutcomeIssue): string {
  return `${issue.severity} ${issue.details?.coding?.[0]?.code ?? ''} at ${issue.expression?.join(', ') ?? ''}: ${issue.details?.text ?? ''}`;
}

/**
 * Judges one write. Throws the 422 rejection when any rule is violated; otherwise returns the appointment with its
 * owner recorded, which Medplum stores in place of the input.
 */
export async function guardAppointment(medplum: MedplumClient, event: BotEvent): Promise<Appointment | undefined> {
  if (!isAppointment(event.input)) {
    return undefined;
  }
  const appointment = event.input;

  let config;
  try {
    config = parseBotSecrets(event.secrets);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : normalizeErrorString(error);
    console.error(`sas-guard: ${message}`);
    throw failure(`${message}. Fix the project secrets (see sas-guard's docs/decisions.md), then retry.`);
  }

  const previous = typeof appointment.id === 'string' ? await readPrevious(medplum, appointment.id) : undefined;
  // Only a creation can collide with another appointment's identifier: an update keeps its own (ID-2).
  const identifierHolders = previous ? undefined : await findIdentifierHolders(medplum, appointment);
  const verdict = judgeWrite(appointment, { previous, identifierHolders, now: new Date() }, config);
  for (const issue of capIssues(verdict.issues, config.language)) {
    console.log(`sas-guard: ${describe(issue)}`);
  }
  if (verdict.rejection) {
    const found = wantsProfileIssues(verdict.rejection) ? await profileIssues(medplum, appointment) : [];
    throw withProfileIssues(verdict, found, config.language);
  }
  return verdict.stored;
}
