// The issues of a failed validation (validateResource throws an OperationOutcomeError when a resource does not
// conform). Apart from src/profiles/index.ts, which reads files: the bot bundle imports it too.
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

export function issuesOf(err: unknown): OperationOutcomeIssue[] {
  if (err instanceof OperationOutcomeError) {
    return err.outcome.issue ?? [];
  }
  throw err;
}
