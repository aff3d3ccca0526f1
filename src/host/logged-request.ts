// One exchange as the request log keeps it: redacted (redact.ts), bodies bounded, and what the log line, the page's
// filters and its checklist read from it (status, rule ids of the OperationOutcome, the appointment concerned).
import type { Reference } from '@medplum/fhirtypes';
import type { GenericRequest, GenericResponse } from '../http/types.ts';
import { mediaType } from '../http/types.ts';
import { RULE_CODE_SYSTEM } from '../rules/sas-codes.ts';
import type { Redactor } from './redact.ts';

/** One exchange as the HTTP server saw it: the request as received, the answer as sent (before compression). */
export interface Exchange {
  /** The body is absent when the request was too large to read (413). */
  request: GenericRequest;
  /** Absent when the connection failed before any answer. */
  response?: GenericResponse;
  /** The caller, once authenticated. */
  author?: Reference;
  /** When the request arrived (ms since the epoch). */
  startedAt: number;
  durationMs: number;
}

/** A body as kept: its text (bounded), or only its size when it is not text. */
export interface LoggedBody {
  bytes: number;
  text?: string;
  /** The text is the body's first MAX_LOGGED_BODY_BYTES bytes only (whole characters). */
  truncated?: boolean;
}

export interface LoggedIssue {
  severity: string;
  code?: string;
  /** The SAS rule id (details.coding of the rule CodeSystem). */
  rule?: string;
  expression?: string;
  text?: string;
}

/** What a row of the page shows, and the log line prints. */
export interface RequestSummary {
  seq: number;
  /** ISO time of arrival. */
  time: string;
  durationMs: number;
  caller?: string;
  method: string;
  /** Path and query, as received (secret parameters blanked). */
  url: string;
  status: number;
  /** Rule ids of the answer's OperationOutcome, errors and warnings apart. */
  errors: string[];
  warnings: string[];
  /** Why a request failed without a rule: its OperationOutcome's first message, whole on one line (+ how many more). */
  reason?: string;
  /** The appointment identifier addressed (`system|value`), from the URL or the body. */
  identifier?: string;
  /** The appointment answered or addressed. */
  appointmentId?: string;
}

export interface LoggedRequest extends RequestSummary {
  request: { headers: Record<string, string>; body: LoggedBody };
  response: { headers: Record<string, string>; body: LoggedBody };
  /** The answer's OperationOutcome issues, when it is one. */
  issues: LoggedIssue[];
}

/** Bodies are kept up to this many bytes: an appointment or a 422 whole, a large search Bundle cut. */
export const MAX_LOGGED_BODY_BYTES = 16 * 1024;

function isText(type: string, body: Buffer): boolean {
  if (type === '') {
    return !body.includes(0);
  }
  return /^text\/|json|xml|x-www-form-urlencoded|javascript/.test(type);
}

function keptBody(body: Buffer | undefined, type: string, path: string, redactor: Redactor): LoggedBody {
  if (!body) {
    return { bytes: 0 };
  }
  if (!body.length || !isText(type, body)) {
    return { bytes: body.length };
  }
  // Cut before a byte limit, never inside a UTF-8 character (continuation bytes are 10xxxxxx); decoding only what is
  // kept also keeps the ring's memory to what it shows (a slice of a larger string would hold all of it).
  const whole = body.length <= MAX_LOGGED_BODY_BYTES;
  let end = Math.min(body.length, MAX_LOGGED_BODY_BYTES);
  while (!whole && end > 0 && ((body[end] ?? 0) & 0xc0) === 0x80) {
    end--;
  }
  const text = redactor.body(body.subarray(0, end).toString('utf8'), { mediaType: type, path, whole });
  return whole ? { bytes: body.length, text } : { bytes: body.length, text, truncated: true };
}

interface OutcomeShape {
  resourceType?: unknown;
  id?: unknown;
  issue?: {
    severity?: string;
    code?: string;
    details?: { text?: string; coding?: { system?: string; code?: string }[] };
    diagnostics?: string;
    expression?: string[];
  }[];
}

function parse(text: string | undefined): unknown {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function issuesOf(answer: unknown): LoggedIssue[] {
  const outcome = answer as OutcomeShape | undefined;
  if (outcome?.resourceType !== 'OperationOutcome' || !Array.isArray(outcome.issue)) {
    return [];
  }
  return outcome.issue.map((issue) => ({
    severity: issue.severity ?? '',
    code: issue.code,
    rule: issue.details?.coding?.find((coding) => coding.system === RULE_CODE_SYSTEM)?.code,
    expression: issue.expression?.join(', '),
    text: issue.details?.text ?? issue.diagnostics,
  }));
}

function reasonOf(issues: LoggedIssue[]): string | undefined {
  const texts = issues.flatMap((issue) => (issue.text ? [issue.text.replace(/\s+/g, ' ').trim()] : []));
  return texts.length > 1 ? `${texts[0]} (+${texts.length - 1} more)` : texts[0];
}

/** The appointment identifier addressed: the conditional URL's (`identifier` or the spec's `Identifier`), or the body's. */
function identifierOf(url: URL, body: unknown): string | undefined {
  const fromUrl = url.searchParams.get('identifier') ?? url.searchParams.get('Identifier');
  if (fromUrl) {
    return fromUrl;
  }
  const first = (body as { resourceType?: unknown; identifier?: { system?: unknown; value?: unknown }[] } | undefined)
    ?.identifier?.[0];
  if ((body as { resourceType?: unknown } | undefined)?.resourceType !== 'Appointment' || !first) {
    return undefined;
  }
  return typeof first.system === 'string' ? `${first.system}|${String(first.value)}` : String(first.value);
}

function appointmentIdOf(url: URL, response: GenericResponse | undefined, answer: unknown): string | undefined {
  const resource = answer as { resourceType?: unknown; id?: unknown } | undefined;
  if (resource?.resourceType === 'Appointment' && typeof resource.id === 'string') {
    return resource.id;
  }
  const fromPath = /\/Appointment\/([A-Za-z0-9\-.]{1,64})(?:\/|$)/;
  return (
    fromPath.exec(response?.headers.location ?? '')?.[1] ??
    (url.pathname.includes('/$') ? undefined : fromPath.exec(url.pathname)?.[1])
  );
}

export function toLoggedRequest(seq: number, exchange: Exchange, redactor: Redactor): LoggedRequest {
  const { request, response } = exchange;
  const url = new URL(request.url, 'http://host.invalid');
  const requestType = mediaType(request.headers['content-type']);
  const responseType = mediaType(response?.headers['content-type']);
  const requestBody = keptBody(request.body, requestType, url.pathname, redactor);
  const responseBody = keptBody(response?.body, responseType, url.pathname, redactor);
  const answer = parse(responseBody.truncated ? undefined : responseBody.text);
  const issues = issuesOf(answer);
  const rulesOf = (errors: boolean): string[] => [
    ...new Set(
      issues
        .filter((issue) => issue.rule && (issue.severity === 'error' || issue.severity === 'fatal') === errors)
        .map((issue) => issue.rule ?? ''),
    ),
  ];
  const errors = rulesOf(true);
  const warnings = rulesOf(false);
  return {
    seq,
    time: new Date(exchange.startedAt).toISOString(),
    durationMs: Math.round(exchange.durationMs * 10) / 10,
    caller: exchange.author?.reference,
    method: request.method,
    url: redactor.url(request.url),
    status: response?.status ?? 0,
    errors,
    warnings,
    reason: (response?.status ?? 0) >= 400 && !errors.length && !warnings.length ? reasonOf(issues) : undefined,
    identifier: url.pathname.includes('Appointment') ? identifierOf(url, parse(requestBody.text)) : undefined,
    appointmentId: appointmentIdOf(url, response, answer),
    request: { headers: redactor.headers(request.headers), body: requestBody },
    response: { headers: redactor.headers(response?.headers ?? {}), body: responseBody },
    issues,
  };
}
