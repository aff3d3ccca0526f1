// sas-check: validates SAS appointments offline with exactly the profile and rules the sas-guard server enforces.
// Exit 0: everything would be accepted; 1: something would be rejected (400 or 422); 2: usage or read error.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Checker } from '../check/checker.ts';
import type { CheckResult } from '../check/checker.ts';
import { expandPaths, itemsOfText, readFileItems } from '../check/inputs.ts';
import type { InputItem, ReadError } from '../check/inputs.ts';
import { formatResult, formatSummary, summarize } from '../check/report.ts';
import type { ReportStyle } from '../check/report.ts';
import { CONFIG_SECRETS, ConfigError, parseConfig } from '../rules/config.ts';
import type { GuardConfig } from '../rules/config.ts';

export const USAGE = `Usage: sas-check [options] <file|directory|->...

Validates SAS appointments (FHIR R4 Appointment) offline, with the profile and rules the sas-guard server enforces.
Each input is a file, a directory (searched recursively for .json, .ndjson, .jsonl) or - (standard input), holding one
Appointment, a Bundle of them, or NDJSON. Versions of one appointment (same identifier, in input order) are checked
as successive updates: the first is a creation, each next one updates the last accepted version.

Options:
  --lang fr|en          language of the report and rule messages (default: fr, or SAS_GUARD_LANGUAGE of --config)
  --format text|json    text: a readable report (default); json: for each appointment, the OperationOutcome the
                        server would return, and a summary
  --config <file>       the deployment's settings, as the bot's secrets: a .env file (SAS_GUARD_SEVERITIES=...)
                        or a JSON object {"SAS_GUARD_SEVERITIES": {"PS-2": "off"}, ...}
  --now <date-time>     the time rules compare dates with (default: now)
  -q, --quiet           text format: print only appointments with issues, and the summary
  -h, --help            this help

Exit status: 0 every appointment would be accepted (possibly with warnings); 1 at least one would be rejected
(400 profile, 422 business rule, or unreadable JSON); 2 usage error or unreadable path.`;

class UsageError extends Error {}

interface Options {
  inputs: string[];
  format: 'text' | 'json';
  quiet: boolean;
  config: GuardConfig;
  now?: Date;
}

/** `.env`: NAME=value lines (# comments, optional quotes); JSON: an object, non-string values taken as JSON text. */
function readConfigFile(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  const values: Record<string, string> = {};
  if (/\.json$/i.test(path) || text.trimStart().startsWith('{')) {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`${path}: expected a JSON object of ${Object.values(CONFIG_SECRETS).join(', ')}`);
    }
    for (const [name, value] of Object.entries(parsed)) {
      values[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return values;
  }
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] && !line.trimStart().startsWith('#')) {
      const raw = match[2] ?? '';
      values[match[1]] = /^(['"]).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
    }
  }
  return values;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      lang: { type: 'string' },
      format: { type: 'string', default: 'text' },
      config: { type: 'string' },
      now: { type: 'string' },
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
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format ${values.format}: expected text or json`);
  }
  if (values.lang !== undefined && values.lang !== 'fr' && values.lang !== 'en') {
    throw new UsageError(`--lang ${values.lang}: expected fr or en`);
  }
  let settings: Record<string, string> = {};
  if (values.config !== undefined) {
    try {
      settings = readConfigFile(values.config);
    } catch (err) {
      throw err instanceof UsageError
        ? err
        : new UsageError(`--config ${values.config}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (values.lang !== undefined) {
    settings[CONFIG_SECRETS.language] = values.lang;
  }
  let config: GuardConfig;
  try {
    config = parseConfig(settings);
  } catch (err) {
    throw err instanceof ConfigError ? new UsageError(err.message) : err;
  }
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (Number.isNaN(now.getTime())) {
      throw new UsageError(`--now ${values.now}: not a date-time`);
    }
  }
  return { inputs: positionals, format: values.format, quiet: values.quiet, config, now };
}

function readInputs(inputs: readonly string[]): { items: InputItem[]; errors: ReadError[] } {
  const items: InputItem[] = [];
  const errors: ReadError[] = [];
  for (const input of inputs) {
    if (input === '-') {
      try {
        items.push(...itemsOfText('-', readFileSync(0, 'utf8')));
      } catch (err) {
        errors.push({ path: '-', message: err instanceof Error ? err.message : String(err) });
      }
      continue;
    }
    const expanded = expandPaths([input]);
    errors.push(...expanded.errors);
    for (const file of expanded.files) {
      const read = readFileItems(file);
      if (Array.isArray(read)) {
        items.push(...read);
      } else {
        errors.push(read);
      }
    }
  }
  return { items, errors };
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

function main(argv: string[]): number {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sas-check: ${message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { items, errors } = readInputs(options.inputs);
  for (const error of errors) {
    process.stderr.write(`sas-check: cannot read ${error.path}: ${error.message}\n`);
  }
  const checker = new Checker({ config: options.config, now: options.now });
  const style: ReportStyle = {
    language: options.config.language,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
  const tick = progress(items.length);
  const results: CheckResult[] = [];
  const out: string[] = [];
  for (const item of items) {
    const result = checker.check(item);
    results.push(result);
    if (options.format === 'text' && !(options.quiet && (result.status === 'ok' || result.status === 'skipped'))) {
      out.push(formatResult(result, style));
    }
    tick(results.length);
  }
  const summary = summarize(results);
  if (options.format === 'json') {
    out.push(JSON.stringify({ summary, readErrors: errors, results }, null, 2));
  } else {
    out.push('', formatSummary(summary, style));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (errors.length > 0) {
    return 2;
  }
  return summary.rejected400 + summary.rejected422 > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
