// The sas-guard pre-commit bot: Medplum runs it before every Appointment write (see medplum.config.json).
import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Appointment } from '@medplum/fhirtypes';
import { guardAppointment } from '../src/bot/guard.ts';

export async function handler(medplum: MedplumClient, event: BotEvent): Promise<Appointment | undefined> {
  return guardAppointment(medplum, event);
}
