// Per-deployment configuration, as the bot reads it from its project secrets (`event.secrets`).
import type { ProjectSetting } from '@medplum/fhirtypes';
import { RULE_IDS } from './types.ts';
import type { ConfiguredSeverity, Language, RuleId } from './types.ts';

export const CONFIG_SECRETS = {
  language: 'SAS_GUARD_LANGUAGE',
  severities: 'SAS_GUARD_SEVERITIES',
  trustedAuthors: 'SAS_GUARD_TRUSTED_AUTHORS',
} as const;

export interface GuardConfig {
  language: Language;
  severities: Partial<Record<RuleId, ConfiguredSeverity>>;
  trustedAuthors: string[];
}

export const DEFAULT_CONFIG: GuardConfig = { language: 'fr', severities: {}, trustedAuthors: [] };

/** Thrown when a secret holds a value sas-guard cannot use: a wrong configuration is never silently ignored. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid sas-guard configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const SEVERITIES: readonly string[] = ['error', 'warning', 'off'];
const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

function parseSeverities(raw: string, problems: string[]): GuardConfig['severities'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(`${CONFIG_SECRETS.severities} is not JSON (expected e.g. {"PS-2":"off","TM-2":"error"})`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${CONFIG_SECRETS.severities} must be a JSON object of rule id → error|warning|off`);
    return {};
  }
  const severities: GuardConfig['severities'] = {};
  for (const [id, severity] of Object.entries(parsed)) {
    if (!(RULE_IDS as readonly string[]).includes(id)) {
      problems.push(`${CONFIG_SECRETS.severities}: unknown rule "${id}" (rules: ${RULE_IDS.join(', ')})`);
    } else if (typeof severity !== 'string' || !SEVERITIES.includes(severity)) {
      problems.push(
        `${CONFIG_SECRETS.severities}: rule ${id} has severity ${JSON.stringify(severity)} (expected error, warning or off)`,
      );
    } else {
      severities[id as RuleId] = severity as ConfiguredSeverity;
    }
  }
  return severities;
}

/** Reads the configuration from secret values (name → string); throws ConfigError listing every problem. */
export function parseConfig(values: Readonly<Record<string, string | undefined>>): GuardConfig {
  const problems: string[] = [];
  const languageValue = values[CONFIG_SECRETS.language]?.trim() || DEFAULT_CONFIG.language;
  if (languageValue !== 'fr' && languageValue !== 'en') {
    problems.push(`${CONFIG_SECRETS.language} is "${languageValue}" (expected fr or en)`);
  }
  const severitiesValue = values[CONFIG_SECRETS.severities]?.trim();
  const severities = severitiesValue ? parseSeverities(severitiesValue, problems) : {};
  const trustedAuthors = (values[CONFIG_SECRETS.trustedAuthors] ?? '')
    .split(',')
    .map((author) => author.trim())
    .filter((author) => author !== '');
  for (const author of trustedAuthors) {
    if (!REFERENCE.test(author)) {
      problems.push(`${CONFIG_SECRETS.trustedAuthors}: "${author}" is not a reference such as ClientApplication/<id>`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return { language: languageValue === 'en' ? 'en' : 'fr', severities, trustedAuthors };
}

/** The configuration from the bot's `event.secrets` (project secrets keyed by name). */
export function parseBotSecrets(
  secrets: Readonly<Record<string, ProjectSetting | undefined>> | undefined,
): GuardConfig {
  const values: Record<string, string | undefined> = {};
  for (const name of Object.values(CONFIG_SECRETS)) {
    const setting = secrets?.[name];
    values[name] = setting?.valueString;
  }
  return parseConfig(values);
}
