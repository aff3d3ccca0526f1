// The host's one line per request: method, path with query, status, duration, caller, and why a request failed — the
// rule ids of a rejection (`ST-2 TM-1 (warnings PS-2 CR-1)`), or the OperationOutcome's first message — always
// whole, on one line.
import type { RequestSummary } from './logged-request.ts';

function duration(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function rules(entry: RequestSummary): string | undefined {
  const warnings = entry.warnings.length ? `(warnings ${entry.warnings.join(' ')})` : undefined;
  const parts = [entry.errors.join(' '), warnings].filter((part) => !!part);
  return parts.length ? parts.join(' ') : undefined;
}

export function formatLogLine(entry: RequestSummary): string {
  const status = entry.status === 0 ? 'no answer' : String(entry.status);
  const line = `${entry.method} ${entry.url} ${status} ${duration(entry.durationMs)} ${entry.caller ?? 'unauthenticated'}`;
  const why = rules(entry) ?? entry.reason;
  return why ? `${line}: ${why}` : line;
}
