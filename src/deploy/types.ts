// The installer's public types: what `installSasGuard` / `uninstallSasGuard` take and report.
import type { Bot, CodeSystem, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

export type ConformanceResource = StructureDefinition | ValueSet | CodeSystem;

export type InstallAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'deleted'
  | 'absent'
  | 'kept'
  | 'would create'
  | 'would update'
  | 'would delete';

export type ItemKind =
  | 'StructureDefinition'
  | 'ValueSet'
  | 'CodeSystem'
  | 'Bot'
  | 'BotCode'
  | 'ProjectMembership'
  | 'Subscription'
  | 'AccessPolicy'
  | 'ProjectSecret'
  | 'ProjectSetting'
  | 'Binary';

export interface InstallItem {
  kind: ItemKind;
  /** `url` for conformance resources, `name` for the others. */
  name: string;
  action: InstallAction;
  /** `ResourceType/id` when known. */
  reference?: string;
  detail?: string;
}

export type CheckStatus = 'ok' | 'warning' | 'error' | 'unknown';

/** Something deploy cannot set itself, what it found, and what the admin must do. */
export interface InstallCheck {
  name: string;
  status: CheckStatus;
  message: string;
  /** Exactly what to set where, when status is not ok. */
  fix?: string;
}

export interface SmokeTestResult {
  /** Status answered to a deliberately invalid SAS appointment (422 expected). */
  violationStatus?: number;
  /** Status answered to a valid SAS appointment (201 expected). */
  validStatus?: number;
  passed: boolean;
  message: string;
  /** What the smoke test wrote and then deleted (`Appointment/<id>`). */
  cleanedUp: string[];
}

export interface InstallReport {
  mode: 'install' | 'dry-run' | 'uninstall' | 'uninstall dry-run';
  baseUrl: string;
  projectId: string;
  medplumVersion?: string;
  items: InstallItem[];
  checks: InstallCheck[];
  smokeTest?: SmokeTestResult;
  botId?: string;
  subscriptionId?: string;
  accessPolicyId?: string;
  /** False when a check is in error or the smoke test failed. */
  ok: boolean;
  durationMs: number;
}

/** Bot configuration written to the Project's secrets. `undefined` leaves a secret as it is; `''` removes it. */
export interface GuardDeployConfig {
  /** SAS_GUARD_LANGUAGE: fr | en. */
  language?: string;
  /** SAS_GUARD_SEVERITIES: JSON object rule id → error | warning | off. */
  severities?: string;
  /** SAS_GUARD_TRUSTED_AUTHORS: comma-separated references, e.g. ClientApplication/<id>. */
  trustedAuthors?: string;
}

export interface InstallOptions {
  /** Compute and print the plan; change nothing. */
  dryRun?: boolean;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
  /** End with a smoke test (422 for a violation, 201 for a valid appointment, both cleaned up). Default false. */
  smokeTest?: boolean;
  /** The bundled bot (default: `bundleBot()`, esbuild of bots/sas-appointment-guard.ts). */
  botCode?: string;
  /** The bot's TypeScript source, saved as `Bot.sourceCode` (default: read from medplum.config.json's `source`). */
  botSource?: string;
  /** Conformance resources (default: `loadConformanceResources()` from profiles/generated/). */
  conformanceResources?: ConformanceResource[];
  /** Bot configuration (project secrets). Default: leave the project's secrets as they are. */
  config?: GuardDeployConfig;
  /** Bot name (default `sas-appointment-guard`, as in medplum.config.json). */
  botName?: string;
  /** Default `vmcontext`. */
  runtimeVersion?: NonNullable<Bot['runtimeVersion']>;
  /** Default `on-error`: an AuditEvent only for executions that fail or reject. */
  auditEventTrigger?: NonNullable<Bot['auditEventTrigger']>;
  /** Bot timeout in ms (Medplum's default is 10 s when absent). */
  botTimeout?: number;
  /** Turn on the project setting `preCommitSubscriptionsEnabled` when it is off. Default true. */
  enablePreCommitSetting?: boolean;
  /** Install the AccessPolicy for SAS client applications. Default true. */
  accessPolicy?: boolean;
}

export interface UninstallOptions {
  dryRun?: boolean;
  log?: (line: string) => void;
  botName?: string;
  conformanceResources?: ConformanceResource[];
  /** Delete the AccessPolicy even when memberships still use it (they would then fail to log in). Default false. */
  force?: boolean;
}
