// The pure rules engine: (appointment, context) → OperationOutcome issues. Hosts are adapters around it.
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { allRules } from './index.ts';
import { capIssues, tooComplex } from './limits.ts';
import { foreignOwner } from './owner.ts';
import { canonicalJson, isRecord } from './read.ts';
import { RULE_CODE_SYSTEM } from './sas-codes.ts';
import type { Finding, Language, Rule, RuleContext, Severity } from './types.ts';

function fill(template: string, data: Record<string, string> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => data?.[name] ?? whole);
}

function toIssue(rule: Rule, finding: Finding, severity: Severity, language: Language): OperationOutcomeIssue {
  const { meta } = rule;
  const message = meta.messages[finding.messageId];
  return {
    severity,
    code: meta.code,
    details: {
      coding: [{ system: RULE_CODE_SYSTEM, code: meta.id, display: meta.description[language] }],
      text: fill(message ? message[language] : finding.messageId, finding.data),
    },
    expression: [finding.expression],
    diagnostics: `${meta.id} — ${meta.source[language]}`,
  };
}

/** Client-controlled fields that do not make two versions different. */
function content(resource: unknown): string {
  if (!isRecord(resource)) {
    return canonicalJson(resource);
  }
  const { id: _id, meta: _meta, ...rest } = resource;
  return canonicalJson(rest);
}

/**
 * Runs the rules on an appointment as sent (never throws on malformed input) and returns every issue: the errors
 * first, then the warnings, each in rule order (a client showing the first issue shows why it was refused). The
 * owner's retry of the stored version is accepted: its errors are dropped. Bounded: a body too large to judge is one
 * issue; the 422 made of them (toOperationOutcome) lists at most MAX_LISTED_ISSUES (src/rules/limits.ts).
 */
export function evaluateAppointment(
  appointment: unknown,
  context: RuleContext,
  rules: readonly Rule[] = allRules,
): OperationOutcomeIssue[] {
  const tooLarge = tooComplex(appointment, context.language);
  if (tooLarge) {
    return [{ severity: 'error', code: 'too-costly', details: { text: tooLarge }, expression: ['Appointment'] }];
  }
  const subject = isRecord(appointment) ? appointment : {};
  const issues: OperationOutcomeIssue[] = [];
  for (const rule of rules) {
    const configured = context.severities[rule.meta.id] ?? rule.meta.defaultSeverity;
    if (configured === 'off') {
      continue;
    }
    rule.create({
      ...context,
      appointment: subject,
      report(finding) {
        const severity = finding.warningOnly ? 'warning' : configured;
        issues.push(toIssue(rule, finding, severity, context.language));
      },
    });
  }
  // H7: the owner's identical re-send (a retry) is accepted. Not another writer's: that one is refused by OW-1 even
  // when only its meta (profile, labels, tags) differs.
  if (context.previous && !foreignOwner(context) && content(context.previous) === content(appointment)) {
    return issues.filter((issue) => issue.severity !== 'error');
  }
  return [...issues.filter((issue) => issue.severity === 'error'), ...issues.filter((i) => i.severity !== 'error')];
}

export function hasErrors(issues: readonly OperationOutcomeIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}

/** The rejection: one OperationOutcome with every issue, `id: business-rule` (422 on Medplum); none when nothing is an error. */
/** The 422 of issues holding an error, capped (src/rules/limits.ts): the one place a rules' answer is bounded. */
export function toOperationOutcome(
  issues: readonly OperationOutcomeIssue[],
  language: Language = 'fr',
): OperationOutcome | undefined {
  return hasErrors(issues)
    ? { resourceType: 'OperationOutcome', id: 'business-rule', issue: capIssues([...issues], language) }
    : undefined;
}

/** The rule id an issue was raised by. */
export function ruleIdOf(issue: OperationOutcomeIssue): string | undefined {
  return issue.details?.coding?.find((coding) => coding.system === RULE_CODE_SYSTEM)?.code;
}
