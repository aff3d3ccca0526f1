// The verdict the server would give each appointment, offline: the sas-guard rules (the pre-commit bot), then the
// structural validation, in the server's order (permissions → bot → validation → store; see medplum-host.md).
// Versions of one appointment (same identifier, in input order, within one file or across all inputs: VersionScope)
// are judged as successive writes: the first a creation, each next one a conditional update whose previous version is
// the last ACCEPTED one.
import { allOk } from '@medplum/core';
import type { Appointment, OperationOutcome, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { loadStructureDefinitions } from '../profiles/index.ts';
import { DEFAULT_CONFIG } from '../rules/config.ts';
import type { GuardConfig } from '../rules/config.ts';
import { hasErrors } from '../rules/engine.ts';
import { capIssues } from '../rules/limits.ts';
import { judgeWrite, wantsProfileIssues, withProfileIssues } from '../rules/write.ts';
import { isRecord } from '../rules/read.ts';
import type { Language } from '../rules/types.ts';
import type { InputItem } from './inputs.ts';
import { StructuralValidator } from './validate.ts';
import { historyKey, identifierText } from './versions.ts';
import type { VersionScope } from './versions.ts';

/** ok / warnings: accepted (201 on creation, 200 on update); 400 / 422: rejected; skipped: not an Appointment. */
export type CheckStatus = 'ok' | 'warnings' | '400' | '422' | 'skipped';

export interface CheckResult {
  location: string;
  status: CheckStatus;
  /** What the server answers: 201 (created), 200 (updated), 400, 422; absent when skipped. */
  httpStatus?: 200 | 201 | 400 | 422;
  /** `system|value` of the appointment's identifier, when it has one. */
  identifier?: string;
  /** 1 for the first version of an identifier (a creation), then 2, 3… (updates). */
  version?: number;
  /**
   * The OperationOutcome of the answer: the 400 or 422 rejection exactly as the server returns it; for an accepted
   * appointment, its warnings (the server only logs them), or Medplum's "All OK" outcome when there are none.
   */
  outcome?: OperationOutcome;
  /** Remarks that are no issue of the server's: skipped profile URLs, why a resource was skipped. */
  notes: string[];
}

export interface CheckerOptions {
  config?: GuardConfig;
  /** Default `file`. */
  versions?: VersionScope;
  /** The time rules compare dates with; the current time when absent. */
  now?: Date;
  /** The StructureDefinitions the server holds; default: every one sas-guard ships (profiles/generated). */
  profiles?: readonly StructureDefinition[];
}

const NOTES = {
  skippedType: {
    fr: 'ignoré : {type} n’est pas un Appointment',
    en: 'skipped: {type} is not an Appointment',
  },
  unknownProfile: {
    fr: 'profil inconnu du serveur, non validé (comme Medplum) : {url}',
    en: 'profile unknown to the server, not validated (as Medplum does): {url}',
  },
  noIdentifier: {
    fr: 'sans identifier system|value : vérifié seul, comme une création',
    en: 'no identifier system|value: checked alone, as a creation',
  },
  'unreadable-json': {
    fr: 'JSON illisible : {detail}',
    en: 'Unreadable JSON: {detail}',
  },
  'not-a-resource': {
    fr: 'Pas une ressource FHIR (pas de resourceType)',
    en: 'Not a FHIR resource (no resourceType)',
  },
  'entry-without-resource': {
    fr: 'Entrée de Bundle sans resource',
    en: 'Bundle entry without a resource',
  },
} satisfies Record<string, Record<Language, string>>;

function note(id: keyof typeof NOTES, language: Language, data: Record<string, string>): string {
  return NOTES[id][language].replace(/\{(\w+)\}/g, (whole, name: string) => data[name] ?? whole);
}

function okOutcome(issues: readonly OperationOutcomeIssue[]): OperationOutcome {
  return issues.length > 0
    ? { resourceType: 'OperationOutcome', issue: [...issues] }
    : { ...allOk, issue: allOk.issue.map((issue) => ({ ...issue, details: { ...issue.details } })) };
}

/** Holds the parsed profiles and the accepted version of every identifier seen so far. Not thread-safe; cheap to call. */
export class Checker {
  private readonly validator: StructuralValidator;
  private readonly config: GuardConfig;
  private readonly now: Date | undefined;
  private readonly versions: VersionScope;
  /** The last accepted (stored) version of each history (an identifier, in its scope), and how many were seen. */
  private readonly stored = new Map<string, { appointment: Appointment | undefined; versions: number }>();

  constructor(options: CheckerOptions = {}) {
    this.config = options.config ?? DEFAULT_CONFIG;
    this.now = options.now;
    this.versions = options.versions ?? 'file';
    const profiles = options.profiles ?? loadStructureDefinitions();
    this.validator = new StructuralValidator(profiles);
  }

  get language(): Language {
    return this.config.language;
  }

  check(item: InputItem): CheckResult {
    const { language } = this.config;
    const { location } = item;
    if (item.problem !== undefined || !isRecord(item.resource) || typeof item.resource.resourceType !== 'string') {
      const problem = item.problem ?? { kind: 'not-a-resource' };
      return {
        location,
        status: '400',
        httpStatus: 400,
        outcome: {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'invalid',
              details: { text: note(problem.kind, language, { detail: problem.detail ?? '' }) },
            },
          ],
        },
        notes: [],
      };
    }
    const resource = item.resource;
    if (resource.resourceType !== 'Appointment') {
      return {
        location,
        status: 'skipped',
        notes: [note('skippedType', language, { type: String(resource.resourceType) })],
      };
    }
    return this.checkAppointment(item, resource as unknown as Appointment);
  }

  private checkAppointment({ location, source }: InputItem, appointment: Appointment): CheckResult {
    const { language } = this.config;
    const notes: string[] = [];
    const identifier = identifierText(appointment);
    const history = historyKey(this.versions, source, identifier);
    const state = history !== undefined ? this.stored.get(history) : undefined;
    const version = (state?.versions ?? 0) + 1;
    if (history !== undefined) {
      this.stored.set(history, { appointment: state?.appointment, versions: version });
    }
    if (!identifier) {
      notes.push(note('noIdentifier', language, {}));
    }
    const previous = state?.appointment;
    const httpStatus = previous ? 200 : 201;

    // 1. The pre-commit bot, as src/bot/guard.ts calls the rules.
    // Offline, the only holders of an identifier are the versions of this sequence: no other appointment holds it.
    const identifierHolders = previous ? undefined : [];
    const verdict = judgeWrite(appointment, { previous, identifierHolders, now: this.now ?? new Date() }, this.config);
    const ruleIssues = capIssues(verdict.issues, language);
    if (verdict.rejection) {
      // As the bot does: the 422 also names what the profile would refuse.
      const found = wantsProfileIssues(verdict.rejection) ? this.validator.validate(appointment).issues : [];
      const outcome = withProfileIssues(verdict, found, language);
      return { location, status: '422', httpStatus: 422, identifier, version, outcome, notes };
    }
    const toStore = verdict.stored;

    // 2. Base and meta.profile validation, on what the bot let through.
    const validation = this.validator.validate(toStore);
    for (const url of validation.skippedProfiles) {
      notes.push(note('unknownProfile', language, { url }));
    }
    if (validation.failed) {
      const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: validation.issues };
      return { location, status: '400', httpStatus: 400, identifier, version, outcome, notes };
    }

    // 3. Stored: the next version of this identifier is an update of this one.
    if (history !== undefined) {
      this.stored.set(history, { appointment: toStore, versions: version });
    }
    const issues = [...ruleIssues, ...validation.issues];
    const status = issues.length > 0 && !hasErrors(issues) ? 'warnings' : 'ok';
    return { location, status, httpStatus, identifier, version, outcome: okOutcome(issues), notes };
  }
}
