// sas-check's batch rate as a whole process, what an agenda-software team's CI sees: `sas-check -q` over
// bench/sas-check-gen.ts's NDJSON (one tenth updates, 8 % rejections), from process start to exit, as the installed
// package runs it (the JavaScript that npm pack compiles into lib/, built here first). Worker threads on (the default,
// one per core) and off (--jobs 0), median of the runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scriptArguments } from '../src/cli/args.ts';
import { generateAppointments } from './sas-check-gen.ts';
import { summarize } from './stats.ts';

const ROOT = join(import.meta.dirname, '..');

/** A launcher of lib/ as the package's bin/launch.js runs it (in a checkout, bin/ would run the sources). */
function packagedBin(dir: string): string {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-package.ts')], { stdio: 'ignore' });
  const lib = (file: string): string => JSON.stringify(pathToFileURL(join(ROOT, 'lib', file)).href);
  const bin = join(dir, 'sas-check.mjs');
  writeFileSync(bin, `await import(${lib('node20.js')});\nawait import(${lib('cli/sas-check.js')});\n`);
  return bin;
}

/** Wall seconds of one `sas-check -q <file> [...args]`; exit 1 is expected (the file holds rejections). */
function timeRun(bin: string, file: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [bin, '-q', '--now', '2026-03-01T00:00:00Z', ...args, file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 1) {
    throw new Error(`sas-check exited ${result.status}: ${result.stderr}`);
  }
  return seconds;
}

export function benchSasCheck(options: { quick: boolean }): Record<string, number> {
  const count = options.quick ? 10_000 : 20_000;
  const runs = options.quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'sas-check-bench-'));
  try {
    const file = join(dir, 'appointments.ndjson');
    writeFileSync(file, generateAppointments(count));
    const bin = packagedBin(dir);
    const parallel = Array.from({ length: runs }, () => timeRun(bin, file, []));
    const single = Array.from({ length: runs }, () => timeRun(bin, file, ['--jobs', '0']));
    const p = summarize(parallel);
    const s = summarize(single);
    return {
      sas_check_appointments: count,
      sas_check_rate: Math.round(count / p.p50),
      sas_check_wall_s: Math.round(p.p50 * 100) / 100,
      sas_check_one_thread_rate: Math.round(count / s.p50),
      sas_check_one_thread_wall_s: Math.round(s.p50 * 100) / 100,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const USAGE = `Usage: npx node bench/sas-check.ts [--quick]

Measures sas-check's batch rate (20,000 appointments, 3 runs; --quick: 10,000, 1 run). Exit status: 0 measured; 1 sas-check could not run; 2 usage error.`;
  const { values } = scriptArguments(
    { name: 'bench/sas-check.ts', help: 'npx node bench/sas-check.ts --help', usage: USAGE },
    {
      options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    },
  );
  console.log(benchSasCheck({ quick: values.quick }));
}
