// `sas-guard deploy` (`npm run deploy`): installs sas-guard into the Medplum project of the medplum CLI's credentials,
// idempotently; `--dry-run` prints the plan; `--uninstall` removes what deploy installed. Errors end with one line and a
// non-zero exit, never a stack.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError, parseCommandLine, usageLine } from '../cli/args.ts';
import { BOT_NAME } from '../medplum.ts';
import { withoutCredentials } from '../http/target.ts';
import { connect, loadDotEnv } from './env.ts';
import { DeployError, describeError } from './errors.ts';
import { formatReport } from './format.ts';
import { installSasGuard, uninstallSasGuard } from './installer.ts';
import type { GuardDeployConfig, InstallReport } from './types.ts';

export const DEPLOY_USAGE = `Usage: sas-guard deploy [options]      (npm run deploy -- [options])

Installs into the Medplum project of the given credentials, each step idempotent (created / updated / unchanged):
the SAS StructureDefinitions and ValueSets, the pre-commit bot (created with its ProjectMembership, code saved and
deployed), its Subscription, its configuration (project secrets), the project setting preCommitSubscriptionsEnabled,
and an AccessPolicy for SAS client applications; then a smoke test (a violation must answer 422, a valid appointment
201; both deleted).

Connection (environment or .env, as the medplum CLI): MEDPLUM_BASE_URL, and MEDPLUM_CLIENT_ID + MEDPLUM_CLIENT_SECRET
(a project admin client) or MEDPLUM_CLIENT_ACCESS_TOKEN; optional MEDPLUM_FHIR_URL_PATH, MEDPLUM_TOKEN_URL.
Bot configuration (environment, .env or flags; unset = leave the project's secret as it is, empty = remove it):
SAS_GUARD_LANGUAGE (fr|en), SAS_GUARD_SEVERITIES (JSON rule id → error|warning|off), SAS_GUARD_TRUSTED_AUTHORS.

Options:
  --dry-run                     print the plan, change nothing
  --uninstall                   remove what deploy installed (and only that)
  --force                       with --uninstall: delete the AccessPolicy even if memberships still use it
  --no-smoke-test               skip the final 422/201 test
  --no-project-setting          do not turn on the project setting preCommitSubscriptionsEnabled
  --no-access-policy            do not install the AccessPolicy for SAS clients
  --audit-event-trigger <t>     on-error (default) | always | on-output | never   (env SAS_GUARD_AUDIT_EVENT_TRIGGER)
  --runtime-version <r>         vmcontext (default) | awslambda                   (env SAS_GUARD_RUNTIME_VERSION)
  --language <fr|en>            SAS_GUARD_LANGUAGE
  --severities <json>           SAS_GUARD_SEVERITIES
  --trusted-authors <refs>      SAS_GUARD_TRUSTED_AUTHORS
  --medplum-config <path>       the tracked medplum.config.json (default ./medplum.config.json), never changed: the bot id
                                goes to .medplum/medplum.config.json beside it (git-ignored), for the medplum CLI
  --no-write-config             write neither .medplum/medplum.config.json nor the bot's dist file
  --json                        print the report as JSON
  -v, --verbose                 print each item as it is decided
  -h, --help                    this help
`;

const ITEM_LINE = /^(created|updated|unchanged|deleted|absent|kept|would \w+)\s/;
const TRIGGERS = ['always', 'never', 'on-error', 'on-output'] as const;
const RUNTIMES = ['vmcontext', 'awslambda'] as const;

function oneOf<T extends string>(what: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') {
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new DeployError(`${what} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

interface BotConfigEntry {
  name: string;
  id?: string;
  source?: string;
  dist?: string;
}

/** Where deploy keeps the bot id for the medplum CLI: beside the tracked medplum.config.json, in an ignored folder. */
export const LOCAL_CLI_DIR = '.medplum';

/**
 * Writes `.medplum/medplum.config.json`: the tracked medplum.config.json's bot entry with the deployed bot's id and its
 * paths seen from `.medplum/`, so that `npm run medplum -- bot deploy <name>` (the medplum CLI run there) redeploys it
 * while the tracked file, and the admin's git checkout, stay as they are. Also writes the bundle where `dist` says.
 */
function writeLocalCliConfig(
  trackedPath: string,
  botName: string,
  botId: string,
  code: string | undefined,
  log: (line: string) => void,
): void {
  if (!existsSync(trackedPath)) {
    log(`${trackedPath} not found: no medplum CLI configuration written`);
    return;
  }
  const tracked = JSON.parse(readFileSync(trackedPath, 'utf8')) as { bots?: BotConfigEntry[] };
  const entry = tracked.bots?.find((bot) => bot.name === botName);
  if (!entry) {
    log(`${trackedPath} has no bot named ${botName}: no medplum CLI configuration written`);
    return;
  }
  const root = dirname(trackedPath);
  const localDir = join(root, LOCAL_CLI_DIR);
  const fromLocal = (path: string | undefined): string | undefined =>
    path === undefined ? undefined : relative(localDir, resolve(root, path));
  const local = { bots: [{ ...entry, id: botId, source: fromLocal(entry.source), dist: fromLocal(entry.dist) }] };
  mkdirSync(localDir, { recursive: true });
  writeFileSync(join(localDir, 'medplum.config.json'), JSON.stringify(local, null, 2) + '\n', 'utf8');
  log(
    `${join(LOCAL_CLI_DIR, 'medplum.config.json')}: bot ${botName} id ${botId || '""'} (git-ignored; ${trackedPath} unchanged)`,
  );
  if (code !== undefined && entry.dist) {
    const dist = resolve(root, entry.dist);
    if (!existsSync(dist) || readFileSync(dist, 'utf8') !== code) {
      mkdirSync(dirname(dist), { recursive: true });
      writeFileSync(dist, code, 'utf8');
      log(`${dist}: bundle written (what \`npm run medplum -- bot deploy ${botName}\` sends)`);
    }
  }
}

function deployConfig(
  values: { language?: string; severities?: string; 'trusted-authors'?: string },
  env: NodeJS.ProcessEnv,
): GuardDeployConfig | undefined {
  const config: GuardDeployConfig = {
    language: values.language ?? env.SAS_GUARD_LANGUAGE,
    severities: values.severities ?? env.SAS_GUARD_SEVERITIES,
    trustedAuthors: values['trusted-authors'] ?? env.SAS_GUARD_TRUSTED_AUTHORS,
  };
  return Object.values(config).some((v) => v !== undefined) ? config : undefined;
}

/** Runs `sas-guard deploy`; resolves to the exit code (0 ready, 1 error, 2 installed but a check failed). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let baseUrl = env.MEDPLUM_BASE_URL;
  try {
    const { values } = parseCommandLine({
      args: argv,
      allowPositionals: false,
      options: {
        'dry-run': { type: 'boolean' },
        uninstall: { type: 'boolean' },
        force: { type: 'boolean' },
        'no-smoke-test': { type: 'boolean' },
        'no-project-setting': { type: 'boolean' },
        'no-access-policy': { type: 'boolean' },
        'audit-event-trigger': { type: 'string' },
        'runtime-version': { type: 'string' },
        language: { type: 'string' },
        severities: { type: 'string' },
        'trusted-authors': { type: 'string' },
        'medplum-config': { type: 'string' },
        'no-write-config': { type: 'boolean' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(DEPLOY_USAGE);
      return 0;
    }
    loadDotEnv(env);
    baseUrl = env.MEDPLUM_BASE_URL;
    const auditEventTrigger = oneOf(
      '--audit-event-trigger',
      values['audit-event-trigger'] ?? env.SAS_GUARD_AUDIT_EVENT_TRIGGER,
      TRIGGERS,
      'on-error',
    );
    const runtimeVersion = oneOf(
      '--runtime-version',
      values['runtime-version'] ?? env.SAS_GUARD_RUNTIME_VERSION,
      RUNTIMES,
      'vmcontext',
    );
    const json = values.json === true;
    const verbose = values.verbose === true;
    // Item lines make up the final table: shown as progress only with --verbose.
    const log = json
      ? (): void => undefined
      : (line: string): void => {
          if (verbose || !ITEM_LINE.test(line)) {
            console.log(`  ${line}`);
          }
        };
    const configPath = resolve(values['medplum-config'] ?? 'medplum.config.json');
    const writeConfig = values['no-write-config'] !== true;
    const dryRun = values['dry-run'] === true;

    const connection = await connect(env);
    baseUrl = connection.baseUrl;
    let report: InstallReport;
    if (values.uninstall) {
      report = await uninstallSasGuard(connection.medplum, { dryRun, log, force: values.force === true });
      if (!dryRun && writeConfig) {
        writeLocalCliConfig(configPath, BOT_NAME, '', undefined, log);
      }
    } else {
      const { deployableBotCode } = await import('../build/bot-bundle.ts');
      const botCode = await deployableBotCode(BOT_NAME);
      report = await installSasGuard(connection.medplum, {
        dryRun,
        log,
        botCode,
        smokeTest: values['no-smoke-test'] !== true,
        config: deployConfig(values, env),
        auditEventTrigger,
        runtimeVersion,
        enablePreCommitSetting: values['no-project-setting'] !== true,
        accessPolicy: values['no-access-policy'] !== true,
      });
      if (!dryRun && writeConfig && report.botId) {
        writeLocalCliConfig(configPath, BOT_NAME, report.botId, botCode, log);
      }
    }
    console.log(json ? JSON.stringify(report, null, 2) : '\n' + formatReport(report));
    return report.ok ? 0 : 2;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(usageLine('sas-guard deploy', err));
      return 1;
    }
    const { message, hint } = describeError(err, baseUrl === undefined ? undefined : withoutCredentials(baseUrl));
    console.error(`sas-guard deploy: ${message}${hint ? ` — ${hint}` : ''}`.replace(/\s*\n\s*/g, ' '));
    return 1;
  }
}
