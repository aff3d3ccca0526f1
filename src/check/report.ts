// The readable report of sas-check results (one block per appointment, then a summary). Colours are the caller's
// choice: pass `color: false` for plain text.
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { ruleIdOf } from '../rules/engine.ts';
import type { Language } from '../rules/types.ts';
import type { CheckResult } from './checker.ts';

export interface ReportStyle {
  language: Language;
  color: boolean;
}

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', green: '\u001b[32m', dim: '\u001b[2m', bold: '\u001b[1m' };
const RESET = '\u001b[0m';

function paint(style: ReportStyle, color: keyof typeof ANSI, text: string): string {
  return style.color ? `${ANSI[color]}${text}${RESET}` : text;
}

const WORDS = {
  ok: { fr: 'ok', en: 'ok' },
  warnings: { fr: 'avertissements', en: 'warnings' },
  skipped: { fr: 'ignoré', en: 'skipped' },
  creation: { fr: 'création', en: 'creation' },
  update: { fr: 'mise à jour', en: 'update' },
  error: { fr: 'erreur', en: 'error' },
  warning: { fr: 'avertissement', en: 'warning' },
  information: { fr: 'info', en: 'info' },
} satisfies Record<string, Record<Language, string>>;

function statusLabel(result: CheckResult, style: ReportStyle): string {
  switch (result.status) {
    case 'ok':
      return paint(style, 'green', `✔ ${WORDS.ok[style.language]}`);
    case 'warnings':
      return paint(style, 'yellow', `⚠ ${WORDS.warnings[style.language]}`);
    case 'skipped':
      return paint(style, 'dim', `· ${WORDS.skipped[style.language]}`);
    default:
      return paint(style, 'red', `✘ ${result.status}`);
  }
}

function issueLine(issue: OperationOutcomeIssue, style: ReportStyle): string {
  const severity = issue.severity === 'fatal' ? 'error' : issue.severity;
  const word = WORDS[severity][style.language];
  const colored = paint(style, severity === 'error' ? 'red' : severity === 'warning' ? 'yellow' : 'dim', word);
  const rule = ruleIdOf(issue) ?? issue.code;
  const where = issue.expression?.join(', ');
  const text = issue.details?.text ?? issue.diagnostics ?? '';
  return `    ${colored} ${paint(style, 'bold', rule)}${where ? ` ${paint(style, 'dim', where)}` : ''}: ${text}`;
}

/** One result as text: a status line, then each issue (rule id, expression, message) and note. */
export function formatResult(result: CheckResult, style: ReportStyle): string {
  let head = `${statusLabel(result, style)}  ${result.location}`;
  if (result.identifier !== undefined && result.version !== undefined) {
    const kind =
      result.version === 1 ? WORDS.creation[style.language] : `${WORDS.update[style.language]} ${result.version - 1}`;
    head += paint(style, 'dim', `  (${result.identifier}, ${kind})`);
  }
  const lines = [head];
  const informational = result.outcome?.issue.every((issue) => issue.severity === 'information') ?? true;
  if (!informational) {
    for (const issue of result.outcome?.issue ?? []) {
      lines.push(issueLine(issue, style));
    }
  }
  for (const note of result.notes) {
    lines.push(paint(style, 'dim', `    ${note}`));
  }
  return lines.join('\n');
}

export interface Summary {
  appointments: number;
  accepted: number;
  withWarnings: number;
  rejected400: number;
  rejected422: number;
  skipped: number;
}

export function summarize(results: Iterable<CheckResult>): Summary {
  const summary: Summary = {
    appointments: 0,
    accepted: 0,
    withWarnings: 0,
    rejected400: 0,
    rejected422: 0,
    skipped: 0,
  };
  for (const result of results) {
    if (result.status === 'skipped') {
      summary.skipped++;
      continue;
    }
    summary.appointments++;
    if (result.status === '400') {
      summary.rejected400++;
    } else if (result.status === '422') {
      summary.rejected422++;
    } else {
      summary.accepted++;
      if (result.status === 'warnings') {
        summary.withWarnings++;
      }
    }
  }
  return summary;
}

/** The closing line; `unread`: inputs that could not be read (or held nothing), which make the verdict a failure. */
export function formatSummary(summary: Summary, style: ReportStyle, unread = 0): string {
  const rejected = summary.rejected400 + summary.rejected422;
  const verdict =
    rejected > 0 || unread > 0
      ? paint(style, 'red', '✘')
      : summary.withWarnings > 0
        ? paint(style, 'yellow', '⚠')
        : paint(style, 'green', '✔');
  const text =
    style.language === 'fr'
      ? `${summary.appointments} RDV vérifié(s) : ${summary.accepted} accepté(s) dont ${summary.withWarnings} avec avertissements, ` +
        `${rejected} rejeté(s) (${summary.rejected400} en 400, ${summary.rejected422} en 422)` +
        (summary.skipped > 0 ? ` ; ${summary.skipped} ressource(s) ignorée(s)` : '') +
        (unread > 0 ? ` ; ${unread} entrée(s) non lue(s)` : '')
      : `${summary.appointments} appointment(s) checked: ${summary.accepted} accepted, ${summary.withWarnings} of them with warnings, ` +
        `${rejected} rejected (${summary.rejected400} with 400, ${summary.rejected422} with 422)` +
        (summary.skipped > 0 ? `; ${summary.skipped} resource(s) skipped` : '') +
        (unread > 0 ? `; ${unread} input(s) not read` : '');
  return `${verdict} ${text}`;
}
