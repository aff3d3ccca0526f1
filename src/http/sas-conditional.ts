// The SAS conditional update of an Appointment (`PUT [base]/Appointment?identifier=system|value`): addressed by exactly
// one identifier (any other criteria could pass ID-4 by and name another appointment), the sender's body `id`
// ignored (H3), and the body's identifier the URL's (ID-4, with the deployment's severity and language).
import { badRequest } from '@medplum/core';
import type { GuardConfig } from '../rules/config.ts';
import { evaluateAppointment, toOperationOutcome } from '../rules/engine.ts';
import { rulesById } from '../rules/index.ts';
import type { IdentifierKey } from '../rules/types.ts';
import { RESULT_PARAMETERS, outcomeResponse } from './sas-request.ts';
import type { GenericResponse } from './types.ts';
import { jsonBody } from './types.ts';

/** Splits `system|value` (or a bare value) as FHIR token search does. */
export function parseIdentifierToken(token: string): IdentifierKey {
  const bar = token.indexOf('|');
  return bar < 0 ? { value: token } : { system: token.slice(0, bar), value: token.slice(bar + 1) };
}

/** The body to forward (its `id` removed), or the answer refusing the request. */
export function conditionalAppointmentUpdate(
  params: URLSearchParams,
  body: Buffer | undefined,
  json: () => unknown,
  config: Pick<GuardConfig, 'language' | 'severities'>,
): { body: Buffer | undefined } | { response: GenericResponse } {
  const criteria = [...params].filter(([key]) => !RESULT_PARAMETERS.has(key));
  const [only] = criteria;
  if (criteria.length !== 1 || only?.[0] !== 'identifier' || only[1].includes(',') || only[1].trim() === '') {
    return {
      response: outcomeResponse(
        400,
        badRequest(
          "A SAS conditional update is addressed by one identifier and nothing else: ?identifier=system|value (or the spec's ?Identifier=)",
        ),
      ),
    };
  }
  const parsed = json();
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { body };
  }
  const resource = parsed as Record<string, unknown>;
  let forwarded = body;
  // H3: FHIR R4 lets a server ignore the id of a conditional update; SAS senders send their own ("1").
  if ('id' in resource) {
    delete resource.id;
    forwarded = jsonBody(resource);
  }
  const issues = evaluateAppointment(
    resource,
    {
      conditionalIdentifier: parseIdentifierToken(only[1]),
      now: new Date(),
      language: config.language,
      severities: config.severities,
      trustedAuthors: [],
    },
    [rulesById['ID-4']],
  );
  const rejection = toOperationOutcome(issues, config.language);
  return rejection ? { response: outcomeResponse(422, rejection) } : { body: forwarded };
}
