// sas-check: validates SAS appointments offline with exactly the profile and rules the sas-guard server enforces.
import { checkBatch } from '../check/batch.ts';
import type { CheckResult } from '../check/checker.ts';
import { readInputTexts } from '../check/inputs.ts';
import type { ReadError } from '../check/inputs.ts';
import { formatResult, formatSummary, summarize } from '../check/report.ts';
import type { ReportStyle } from '../check/report.ts';
import { readSettingsFile } from '../check/settings.ts';
import { VERSION_SCOPES } from '../check/versions.ts';
import type { VersionScope } from '../check/versions.ts';
import { CONFIG_SECRETS, ConfigError, parseConfig } from '../rules/config.ts';
import type { GuardConfig } from '../rules/config.ts';
import { UsageError, parseCommandLine, usageLine } from './args.ts';

export const USAGE = `Usage: sas-check [options] <file|directory|->...

Validates SAS appointments (FHIR R4 Appointment) offline, with the profile and rules the sas-guard server enforces.
Each input is a file, a directory (searched recursively for .json, .ndjson, .jsonl) or - (standard input), holding one
Appointment, a Bundle of them, or NDJSON.

Options:
  --versions file|all|none  appointments with the same identifier are successive versions (a creation, then updates
                        of the last accepted one) within one file (default), across all inputs in the order given
                        (all), or never (none: each appointment alone, as a creation)
  --lang fr|en          language of the report and rule messages (default: fr, or SAS_GUARD_LANGUAGE of --config)
  --format text|json    text: a readable report (default); json: for each appointment, the OperationOutcome the
                        server would return, and a summary
  --config <file>       the deployment's settings, as the bot's secrets: a .env file (SAS_GUARD_SEVERITIES=...)
                        or a JSON object {"SAS_GUARD_SEVERITIES": {"PS-2": "off"}, ...}
  --now <date-time>     the time rules compare dates with (default: now)
  --jobs <n>            worker threads (default: one per core from 5 MB of input on; 0: none)
  -q, --quiet           text format: print only what would be rejected (no warnings, no summary)
  -h, --help            this help

Exit status: 0 every appointment would be accepted (possibly with warnings); 1 at least one would be rejected
(400 profile, 422 business rule, or unreadable JSON); 2 usage error, a path that cannot be read, or a directory
holding no .json, .ndjson or .jsonl file (nothing checked there).`;

interface Options {
  inputs: string[];
  format: 'text' | 'json';
  quiet: boolean;
  config: GuardConfig;
  versions: VersionScope;
  now?: Date;
  jobs?: number;
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${option} ${value}: expected ${allowed.join(', ')}`);
  }
  return value as T;
}

function readConfig(path: string | undefined, lang: string | undefined): GuardConfig {
  let settings: Record<string, string> = {};
  if (path !== undefined) {
    try {
      settings = readSettingsFile(path);
    } catch (err) {
      throw new UsageError(`--config ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (lang !== undefined) {
    settings[CONFIG_SECRETS.language] = oneOf('--lang', lang, ['fr', 'en']);
  }
  try {
    return parseConfig(settings);
  } catch (err) {
    throw err instanceof ConfigError ? new UsageError(err.message) : err;
  }
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      versions: { type: 'string', default: 'file' },
      lang: { type: 'string' },
      format: { type: 'string', default: 'text' },
      config: { type: 'string' },
      now: { type: 'string' },
      jobs: { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    return 'help';
  }
  if (positionals.length === 0) {
    throw new UsageError('no input: give files, directories or - for standard input');
  }
  const format = oneOf('--format', values.format, ['text', 'json']);
  if (values.quiet && format === 'json') {
    throw new UsageError('-q applies to the text report, not to --format json');
  }
  const versions = oneOf('--versions', values.versions, VERSION_SCOPES);
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (Number.isNaN(now.getTime())) {
      throw new UsageError(`--now ${values.now}: not a date-time`);
    }
  }
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    if (!/^\d{1,2}$/.test(values.jobs)) {
      throw new UsageError(`--jobs ${values.jobs}: expected a number of threads (0 to 99)`);
    }
    jobs = Number(values.jobs);
  }
  const config = readConfig(values.config, values.lang);
  return { inputs: positionals, format, quiet: values.quiet, config, versions, now, jobs };
}

/** A progress bar on standard error, when it is a terminal and the batch is long. */
function progress(total: number): (done: number) => void {
  if (!process.stderr.isTTY || total < 500) {
    return () => undefined;
  }
  const step = Math.max(1, Math.floor(total / 100));
  return (done) => {
    if (done % step !== 0 && done !== total) {
      return;
    }
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    if (done === total) {
      process.stderr.write('\r\u001b[K');
    }
  };
}

function readErrorLine(error: ReadError): string {
  return error.empty
    ? `sas-check: nothing to check in ${error.path}: ${error.message}`
    : `sas-check: cannot read ${error.path}: ${error.message}`;
}

async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) {
      throw err;
    }
    process.stderr.write(`${usageLine('sas-check', err)}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { texts, errors } = readInputTexts(options.inputs);
  for (const error of errors) {
    process.stderr.write(`${readErrorLine(error)}\n`);
  }
  const style: ReportStyle = {
    language: options.config.language,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
  const text = options.format === 'text';
  let tick: (done: number) => void = () => undefined;
  const results: CheckResult[] = [];
  const out: string[] = [];
  const batch = { config: options.config, now: options.now ?? new Date(), versions: options.versions };
  await checkBatch(
    texts,
    { ...batch, workers: options.jobs },
    (result) => {
      results.push(result);
      const rejected = result.status === '400' || result.status === '422';
      if (text && (rejected || !options.quiet)) {
        out.push(formatResult(result, style));
      }
      tick(results.length);
    },
    (total) => (tick = progress(total)),
  );
  const summary = summarize(results);
  if (!text) {
    out.push(JSON.stringify({ summary, readErrors: errors, results }, null, 2));
  } else if (!options.quiet && results.length > 0) {
    out.push('', formatSummary(summary, style, errors.length));
  }
  if (out.length > 0) {
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (errors.length > 0) {
    return 2;
  }
  return summary.rejected400 + summary.rejected422 > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
