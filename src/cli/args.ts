// Command lines of sas-check and the project's scripts: `-h/--help` prints the usage (exit 0); a mistake is one line
// ending with "see <command> --help" (exit 2), never the whole usage, never a stack.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** A mistake on the command line; its message is the one line to print. */
export class UsageError extends Error {}

/** Node's parseArgs messages, shortened to what the user typed wrong. */
function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) {
    return `unknown option ${unknown[1]}`;
  }
  const positional = /^Unexpected argument '([^']+)'/.exec(message);
  if (positional) {
    return `unexpected argument ${positional[1]}`;
  }
  return message.split('\n')[0] ?? message;
}

/** parseArgs (strict unless said otherwise), its errors as a UsageError. */
export function parseCommandLine<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
}

/** The one line for a usage mistake; `help`: how to ask for the usage. */
export function usageLine(command: string, err: UsageError, help = `${command} --help`): string {
  return `${command}: ${err.message} — see ${help}`;
}

/**
 * For a `sas-guard` subcommand: the parsed command line, or the exit status once answered — 0 after printing the
 * usage for `-h/--help`, 2 after printing a mistake in one line.
 */
export function commandArguments<const T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>> | number {
  try {
    const parsed = parseCommandLine(config);
    if ((parsed.values as Record<string, unknown>).help === true) {
      console.log(usage);
      return 0;
    }
    return parsed;
  } catch (err) {
    if (!(err instanceof UsageError)) {
      throw err;
    }
    console.error(usageLine(command, err));
    return 2;
  }
}

/** A script's name in its messages, how to ask for its usage (e.g. `npm run soak -- --help`), and the usage. */
export interface ScriptHelp {
  name: string;
  help: string;
  usage: string;
}

/**
 * For a script: parses `process.argv`; with `help: true` among the values, prints the usage and exits 0; on a
 * mistake, prints one line and exits 2. `check` may throw a UsageError for values the parser cannot judge.
 */
export function scriptArguments<const T extends ParseArgsConfig>(
  { name, help, usage }: ScriptHelp,
  config: T,
  check?: (parsed: ReturnType<typeof parseArgs<T>>) => void,
): ReturnType<typeof parseArgs<T>> {
  try {
    const parsed = parseCommandLine(config); // args: process.argv without node and the script
    if ((parsed.values as Record<string, unknown>).help === true) {
      console.log(usage);
      process.exit(0);
    }
    check?.(parsed);
    return parsed;
  } catch (err) {
    if (!(err instanceof UsageError)) {
      throw err;
    }
    console.error(usageLine(name, err, help));
    process.exit(2);
  }
}
