// `npm run bench` (full) / `npm run bench -- --quick`: every sas-guard benchmark in one run, as ratios measured side
// by side, printed as tables and written to bench/results.json (and, for a full run, bench/runs/<date>.json). Exits 1
// when a target is missed.
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { benchGatewayFairness } from './gateway-fairness.ts';
import { benchHapi } from './hapi.ts';
import { benchHostile } from './hostile.ts';
import { benchHost } from './host.ts';
import { benchBotVm, benchRules, benchValidation } from './micro.ts';
import { benchRequestLog } from './request-log.ts';
import type { BenchRun } from './report.ts';
import { RUNS_DIR, evaluateTargets, renderRun } from './report.ts';
import { scriptArguments } from '../src/cli/args.ts';
import { benchSasCheck } from './sas-check.ts';

const USAGE = `Usage: npm run bench [-- --quick]

Runs every sas-guard benchmark (rules, profile validation, the bot in vmcontext, the request log, the embedded host, hostile input, HAPI with and
without the plugin and the bridge, the gateway's fairness, sas-check's batch rate), prints the targets, latencies and other figures, and writes bench/results.json (a
full run also bench/runs/<date>.json, which docs/performance.md is generated from). A full run takes several minutes
on 2 cores; --quick runs fewer iterations, for a first look.

Exit status: 0 every target met; 1 a target missed (listed at the end) or a benchmark could not run; 2 usage error.`;

const { values: options } = scriptArguments(
  { name: 'bench', help: 'npm run bench -- --help', usage: USAGE },
  {
    options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  },
);

function machine(): Record<string, string | number> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // no nproc
  }
  return {
    cpu: model,
    nproc,
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main(): Promise<number> {
  const { quick } = options;
  const started = performance.now();
  const log = (line: string): void => {
    console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  };
  log(`${quick ? 'quick' : 'full'} run`);
  const results: Record<string, number> = {};
  log('rules engine...');
  Object.assign(results, await benchRules({ quick }));
  log('profile validation...');
  Object.assign(results, await benchValidation({ quick }));
  log('bot in vmcontext...');
  Object.assign(results, await benchBotVm({ quick }));
  log('request log...');
  Object.assign(results, await benchRequestLog({ quick }));
  log('embedded host...');
  Object.assign(results, await benchHost({ quick, log }));
  log('hostile input...');
  Object.assign(results, await benchHostile({ quick }));
  log('HAPI FHIR with and without sas-guard...');
  Object.assign(results, await benchHapi({ quick, log }));
  log('gateway fairness...');
  Object.assign(results, await benchGatewayFairness({ quick, log }));
  log('sas-check batch...');
  Object.assign(results, benchSasCheck({ quick }));
  const wallSeconds = (performance.now() - started) / 1000;
  results.wall_s = Math.round(wallSeconds * 10) / 10;

  const run: BenchRun = {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    machine: machine(),
    results,
    ...evaluateTargets(results),
  };
  const json = JSON.stringify(run, null, 2) + '\n';
  writeFileSync(join(import.meta.dirname, 'results.json'), json);
  let written = 'bench/results.json';
  if (!quick) {
    // Full runs are kept (committed): docs/performance.md is generated from the newest (npm run bench:report).
    mkdirSync(RUNS_DIR, { recursive: true });
    const file = join(RUNS_DIR, `${run.date.slice(0, 19).replace(/:/g, '-')}.json`);
    writeFileSync(file, json);
    written += ` and ${relative(process.cwd(), file)}`;
  }
  console.log('\n' + renderRun(run));
  console.log(`\nwrote ${written}`);
  if (run.missed.length > 0) {
    console.log(`bench: ${run.missed.length} target(s) missed: ${run.missed.join(', ')}`);
  }
  return run.missed.length > 0 ? 1 : 0;
}

const status = await main();
// Undici's global dispatcher (bots' fetch) may hold keep-alive sockets: leave without waiting for them.
process.exit(status);
