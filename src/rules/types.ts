import type { Appointment } from '@medplum/fhirtypes';

export const RULE_IDS = [
  'ID-1',
  'ID-2',
  'ID-3',
  'ID-4',
  'OP-1',
  'OP-2',
  'OP-3',
  'OP-4',
  'PS-1',
  'PS-2',
  'PS-3',
  'ST-1',
  'ST-2',
  'ST-3',
  'ST-4',
  'TM-1',
  'TM-2',
  'CR-1',
  'PR-1',
  'OW-1',
] as const;

export type RuleId = (typeof RULE_IDS)[number];
export type Severity = 'error' | 'warning';
/** A deployment may also switch a rule off. */
export type ConfiguredSeverity = Severity | 'off';
export type Language = 'fr' | 'en';
export type Localized = Record<Language, string>;

/** The identifier an appointment is addressed by: `system|value`. */
export interface IdentifierKey {
  system?: string;
  value: string;
}

/** Everything a rule may know beyond the appointment itself. Hosts fill what they can see. */
export interface RuleContext {
  /** The stored version being replaced; absent on creation. */
  previous?: Appointment;
  /** The writer, as Medplum puts it in `meta.author` (e.g. `ClientApplication/<id>`). */
  author?: string;
  /** The writer who created the appointment, when the host recorded it; judged by OW-1 before `previous.meta.author`. */
  owner?: string;
  /** The identifier of the conditional update URL, when the host can see the request (ID-4). */
  conditionalIdentifier?: IdentifierKey;
  /**
   * Ids of OTHER stored appointments holding the appointment's identifier, when the host looked (ID-3).
   * Absent means "not looked up", never "none".
   */
  identifierHolders?: readonly string[];
  /** The time rules compare dates with (TM-2). */
  now: Date;
  language: Language;
  /** Per-rule severities, overriding the defaults. */
  severities: Partial<Record<RuleId, ConfiguredSeverity>>;
  /** Writers allowed to update any appointment (OW-1). */
  trustedAuthors: readonly string[];
}

/** What a rule reports: where, and which of its messages (with values to fill in). */
export interface Finding {
  messageId: string;
  /** FHIRPath to the element, e.g. `Appointment.participant[0].status`. */
  expression: string;
  data?: Record<string, string>;
  /** A finding milder than the rule's usual case (e.g. TM-1's equal times): reported at most as a warning. */
  warningOnly?: boolean;
}

export interface RuleMeta {
  id: RuleId;
  defaultSeverity: Severity;
  /** OperationOutcome issue code. */
  code: 'business-rule' | 'value' | 'invariant' | 'required' | 'security' | 'duplicate';
  /** Where the rule comes from, e.g. "SAS IG 1.2.0, Gestion de RDV"; `diagnostics` of its issues. */
  source: Localized;
  /** What the rule checks: the catalogue's text and `details.coding.display` of its issues. */
  description: Localized;
  /** Messages by id; `{name}` placeholders are filled from the finding's data, which quotes values as sent. */
  messages: Record<string, Localized>;
}

/** What a rule's `create` receives: the appointment as sent (unvalidated: any field may be of any type), the context, and `report`. */
export interface RuleRun extends RuleContext {
  appointment: Readonly<Record<string, unknown>>;
  report: (finding: Finding) => void;
}

/** One rule, in the manner of an ESLint rule module. */
export interface Rule {
  meta: RuleMeta;
  create(run: RuleRun): void;
}
