// The host's one line per request: method, path with query, status, duration, caller, and why a request failed — the
// rule ids of a rejection, or the OperationOutcome's first message — always whole, on one line.
import type { RequestSummary } from './logged-request.ts';

function duration(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function rules(entry: RequestSummary): string | undefined {
  const parts = [
    entry.errors.length ? `errors ${entry.errors.join(' ')}` : undefined,
    entry.warnings.length ? `warnings ${entry.warnings.join(' ')}` : undefined,
  ].filter((part) => part !== undefined);
  return parts.length ? parts.join(', ') : undefined;
}

export function formatLogLine(entry: RequestSummary): string {
  const status = entry.status === 0 ? 'no answer' : String(entry.status);
  const line = `${entry.method} ${entry.url} ${status} ${duration(entry.durationMs)} ${entry.caller ?? 'unauthenticated'}`;
  const why = rules(entry) ?? entry.reason;
  return why ? `${line}: ${why}` : line;
}
