// `npm run mutation [-- --only <id>[,<id>…]] [--list]`: applies each mutation of scripts/mutations.ts to a scratch copy
// of the project (never the working tree), runs the tests that must catch it, and prints one line per mutation
// (caught by which test, or SURVIVED), then `mutation: N caught, M survived`. Exits 1 when one survives.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Mutation } from './mutations.ts';
import { MUTATIONS } from './mutations.ts';

const USAGE = `Usage: npm run mutation [-- --only <id>[,<id>...]] [--list]
  Applies each mutation of scripts/mutations.ts to a scratch copy of the project, runs the tests that must catch it,
  and prints one line per mutation. Exit status: 0 every mutation caught, 1 one survived, 2 usage or set-up error.
  --only <ids>   run only these mutations
  --list         list the mutations and exit
  -h, --help     this text`;

const ROOT = join(import.meta.dirname, '..');
/** A mutation whose tests run longer than this (a hang, say) counts as caught by the time limit. */
const MUTATION_TIMEOUT_MS = 300_000;

/** A copy of the project's files (tracked and new, not ignored), node_modules linked. */
function scratchCopy(): string {
  const scratch = mkdtempSync(join(tmpdir(), 'sas-guard-mutation-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    try {
      mkdirSync(dirname(join(scratch, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(scratch, file));
    } catch (err) {
      // A file deleted in the working tree but still tracked: nothing to copy.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  return scratch;
}

interface Verdict {
  caught: boolean;
  by: string;
}

interface VitestJson {
  testResults?: { name?: string; assertionResults?: { status?: string; fullName?: string }[] }[];
}

/** Runs vitest on `tests` in `dir`; the first failing test, if any. */
function runTests(dir: string, tests: string[]): Promise<Verdict> {
  const report = join(dir, '.mutation-report.json');
  rmSync(report, { force: true });
  return new Promise((resolve) => {
    const child = spawn(
      join(dir, 'node_modules', '.bin', 'vitest'),
      ['run', ...tests, '--reporter=json', `--outputFile=${report}`, '--bail=1'],
      { cwd: dir, stdio: 'ignore', env: { ...process.env, FORCE_COLOR: '0' } },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), MUTATION_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal) {
        resolve({ caught: true, by: `the time limit (${MUTATION_TIMEOUT_MS / 1000} s)` });
        return;
      }
      let failed: string | undefined;
      try {
        const json = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
        for (const file of json.testResults ?? []) {
          const test = file.assertionResults?.find((result) => result.status === 'failed');
          if (test) {
            failed = `${(file.name ?? '').slice(dir.length + 1)} › ${test.fullName ?? ''}`;
            break;
          }
        }
      } catch {
        // no report: vitest itself failed (e.g. a module that no longer loads), which is a catch too
      }
      resolve(code === 0 ? { caught: false, by: '' } : { caught: true, by: failed ?? `vitest exit ${code ?? '?'}` });
    });
  });
}

async function applyAndRun(dir: string, mutation: Mutation): Promise<Verdict> {
  const file = join(dir, mutation.file);
  const original = readFileSync(file, 'utf8');
  const at = original.indexOf(mutation.find);
  if (at < 0 || original.indexOf(mutation.find, at + 1) >= 0) {
    throw new Error(`${mutation.id}: "${mutation.find}" must occur exactly once in ${mutation.file}`);
  }
  writeFileSync(file, original.slice(0, at) + mutation.replace + original.slice(at + mutation.find.length));
  try {
    return await runTests(dir, mutation.tests);
  } finally {
    writeFileSync(file, original);
  }
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { only: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`mutation: ${err instanceof Error ? err.message : String(err)} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let mutations = MUTATIONS;
  if (values.only) {
    const ids = values.only.split(',').map((id) => id.trim());
    const unknown = ids.filter((id) => !MUTATIONS.some((m) => m.id === id));
    if (unknown.length) {
      console.error(`mutation: unknown mutation ${unknown.join(', ')} (see --list)`);
      return 2;
    }
    mutations = MUTATIONS.filter((m) => ids.includes(m.id));
  }
  if (values.list) {
    for (const m of mutations) console.log(`${m.id.padEnd(40)} ${m.file}: ${m.breaks}`);
    return 0;
  }

  const dir = scratchCopy();
  let caught = 0;
  let survived = 0;
  try {
    // The unmutated tests must pass first, or every "catch" would mean nothing.
    const tests = [...new Set(mutations.flatMap((m) => m.tests))];
    const baseline = await runTests(dir, tests);
    if (baseline.caught) {
      console.error(`mutation: the tests fail without any mutation (${baseline.by}); fix them first`);
      return 2;
    }
    for (const mutation of mutations) {
      const verdict = await applyAndRun(dir, mutation);
      if (verdict.caught) {
        caught++;
        console.log(`caught    ${mutation.id.padEnd(40)} by ${verdict.by}`);
      } else {
        survived++;
        console.log(`SURVIVED  ${mutation.id.padEnd(40)} ${mutation.file}: ${mutation.breaks}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`mutation: ${caught} caught, ${survived} survived`);
  return survived > 0 ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(`mutation: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
