// Reading the identified health professionals (participant.actor.identifier), shared by the PS-* rules.
import { participants, path } from './read.ts';

export function practitionerIdentifiers(appointment: unknown): { expression: string; value: unknown }[] {
  return participants(appointment).flatMap(({ index, participant }) => {
    const identifier = path(participant, 'actor', 'identifier');
    return identifier === undefined || identifier === null
      ? []
      : [{ expression: `Appointment.participant[${index}].actor.identifier.value`, value: path(identifier, 'value') }];
  });
}
