// Writes N SAS appointments as NDJSON (default 20,000) for the sas-check throughput measure (bench/sas-check.ts):
//   npx node bench/sas-check-gen.ts [count] > /tmp/appointments.ndjson
// Mostly distinct valid appointments; every 10th is an update of the one before (cancellation), every 25th breaks a
// rule (422), every 50th breaks the profile (400), every 40th has only warnings (no `created`).
import { RPPS_VALID_LUHN, appointmentWithIdentifier } from '../test/fixtures/appointments.ts';
import type { Appointment } from '@medplum/fhirtypes';
import { UsageError, scriptArguments } from '../src/cli/args.ts';

export function generateAppointments(count: number): string {
  const lines: string[] = [];
  let previous: Appointment | undefined;
  for (let i = 0; i < count; i++) {
    let appointment: Appointment;
    if (i % 10 === 9 && previous) {
      appointment = { ...structuredClone(previous), status: 'cancelled' };
    } else {
      const value = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      appointment = appointmentWithIdentifier(value);
      appointment.participant[0]!.actor!.identifier!.value = RPPS_VALID_LUHN;
      const day = String(1 + (i % 28)).padStart(2, '0');
      appointment.start = `2026-03-${day}T14:00:00+01:00`;
      appointment.end = `2026-03-${day}T14:15:00+01:00`;
      if (i % 25 === 3) {
        appointment.participant[0]!.status = 'declined'; // ST-2 → 422
      } else if (i % 50 === 7) {
        delete (appointment as Partial<Appointment>).end; // profile end 1..1 → 400 (the rules judge only what is present)
      } else if (i % 40 === 11) {
        delete appointment.created; // CR-1 warning
      }
    }
    previous = appointment;
    lines.push(JSON.stringify(appointment));
  }
  return lines.join('\n') + '\n';
}

if (import.meta.main) {
  const USAGE = `Usage: npx node bench/sas-check-gen.ts [count]    (default 20000, at most 10,000,000)

Writes that many SAS appointments as NDJSON on standard output. Exit status: 0 written; 2 usage error.`;
  const { positionals } = scriptArguments(
    { name: 'sas-check-gen', help: 'npx node bench/sas-check-gen.ts --help', usage: USAGE },
    { allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } },
    ({ positionals: [count, ...rest] }) => {
      if (rest.length > 0 || (count !== undefined && !/^\d{1,8}$/.test(count))) {
        throw new UsageError('expected one count of appointments');
      }
    },
  );
  process.stdout.write(generateAppointments(Number(positionals[0] ?? 20_000)));
}
