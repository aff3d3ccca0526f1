// `npm run bench` (full) / `npm run bench -- --quick`: every sas-guard benchmark in one run, as ratios measured side
// by side, printed as a table and written to bench/results.json.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchHapi } from './hapi.ts';
import { benchHost } from './host.ts';
import { benchBotVm, benchRules, benchValidation } from './micro.ts';

interface Target {
  key: string;
  what: string;
  target: string;
  ok: (value: number) => boolean | undefined;
  unit?: string;
  p99?: string;
}

const TARGETS: Target[] = [
  {
    key: 'rules_p50_us',
    what: 'rules, one valid appointment (µs)',
    target: '≤ 25',
    ok: (v) => v <= 25,
    p99: 'rules_p99_us',
  },
  {
    key: 'validation_cached_speedup',
    what: 'profile validation: parsed per call ÷ parsed once',
    target: '≥ 3',
    ok: (v) => v >= 3,
  },
  {
    key: 'bot_vm_overhead_ratio',
    what: 'vmcontext execution: bot bundle ÷ trivial bot',
    target: '≤ 3',
    ok: (v) => v <= 3,
  },
  {
    key: 'host_guard_overhead_ratio',
    what: 'conditional PUT p50: sas-guard ÷ bare host',
    target: '≤ 1.5',
    ok: (v) => v <= 1.5,
  },
  {
    key: 'host_scale_100k_over_1k',
    what: 'conditional PUT p50: 100,000 ÷ 1,000 stored',
    target: '≤ 1.5',
    ok: (v) => v <= 1.5,
  },
  {
    key: 'hapi_guard_overhead_ratio',
    what: 'conditional PUT p50 on HAPI: sas-guard ÷ bare HAPI',
    target: '≤ 1.25',
    ok: (v) => v <= 1.25,
  },
  {
    key: 'bridge_round_trip_p50_ms',
    what: 'bridge round trip, judgement included (ms)',
    target: '≤ 0.5',
    ok: (v) => v <= 0.5,
    p99: 'bridge_round_trip_p99_ms',
  },
  {
    key: 'host_conditional_put_rps',
    what: 'conditional PUTs/s, 8 clients, sas-guard',
    target: 'reported',
    ok: () => undefined,
  },
];

const DETAILS: [string, string, string?][] = [
  ['rules (µs)', 'rules_p50_us', 'rules_p99_us'],
  ['validation, SD parsed per call (µs)', 'validation_every_call_p50_us', 'validation_every_call_p99_us'],
  ['validation, parsed profile reused (µs)', 'validation_cached_p50_us', 'validation_cached_p99_us'],
  ['vmcontext: bot bundle, creation, 2 reads over HTTP (ms)', 'bot_vm_p50_ms', 'bot_vm_p99_ms'],
  ['vmcontext: trivial bot (ms)', 'bot_vm_trivial_p50_ms', 'bot_vm_trivial_p99_ms'],
  ["the bot's 2 reads alone, MedplumClient outside the vm (ms)", 'bot_vm_reads_p50_ms'],
  ['conditional PUT, bare host, 1k stored (ms)', 'host_bare_p50_ms', 'host_bare_p99_ms'],
  ['conditional PUT, sas-guard, 1k stored (ms)', 'host_guard_p50_ms', 'host_guard_p99_ms'],
  ['conditional PUT, sas-guard, 100k stored (ms)', 'host_guard_100k_p50_ms', 'host_guard_100k_p99_ms'],
  ['conditional PUT, bare HAPI (ms)', 'hapi_bare_p50_ms', 'hapi_bare_p99_ms'],
  ['conditional PUT, HAPI + sas-guard (ms)', 'hapi_guard_p50_ms', 'hapi_guard_p99_ms'],
  ['bridge round trip (ms)', 'bridge_round_trip_p50_ms', 'bridge_round_trip_p99_ms'],
  [
    'conditional PUT under 8 clients, sas-guard (ms)',
    'host_conditional_put_rps_p50_ms',
    'host_conditional_put_rps_p99_ms',
  ],
];

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

function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  const line = (row: string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
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
  log('embedded host...');
  Object.assign(results, await benchHost({ quick, log }));
  log('HAPI FHIR...');
  Object.assign(results, await benchHapi({ quick, log }));
  const wallSeconds = (performance.now() - started) / 1000;
  results.wall_s = Math.round(wallSeconds * 10) / 10;

  const output = { mode: quick ? 'quick' : 'full', date: new Date().toISOString(), machine: machine(), ...results };
  writeFileSync(join(import.meta.dirname, 'results.json'), JSON.stringify(output, null, 2) + '\n');

  console.log('');
  console.log(
    table([
      ['key', 'what', 'value', 'target', 'met'],
      ...TARGETS.map((t) => {
        const value = results[t.key];
        const ok = value === undefined ? false : t.ok(value);
        return [t.key, t.what, fmt(value), t.target, ok === undefined ? '' : ok ? 'yes' : 'NO'];
      }),
    ]),
  );
  console.log('');
  console.log(
    table([
      ['latency', 'p50', 'p99'],
      ...DETAILS.map(([label, p50, p99]) => [label, fmt(results[p50]), p99 ? fmt(results[p99]) : '']),
    ]),
  );
  console.log('');
  console.log(
    table([
      ['other', 'value'],
      ['bot bundle size (bytes)', String(results.bot_bundle_bytes ?? '—')],
      [
        'vmcontext ratio without the 2 HTTP reads: (bundle − reads) ÷ trivial',
        fmt(results.bot_vm_overhead_ratio_without_reads),
      ],
      ['host heap used, 100,000 appointments (MB)', fmt(results.host_100k_heap_used_mb)],
      ['host heap growth from bulk-loading 100,000 (MB)', fmt(results.host_100k_heap_delta_mb)],
      ['host RSS, 100,000 appointments (MB)', fmt(results.host_100k_rss_mb)],
      ['bulk load of 100,000 (s)', fmt(results.host_100k_load_s)],
      ['conditional PUTs/s, 8 clients, bare host', fmt(results.host_bare_conditional_put_rps)],
      [
        `appointments stored by ${results.hapi_parallel_trials ?? '—'} × 8 parallel PUTs of a new identifier: HAPI + sas-guard / bare HAPI`,
        `${results.hapi_guard_parallel_stored ?? '—'} / ${results.hapi_bare_parallel_stored ?? '—'}`,
      ],
      ['wall time (s)', fmt(results.wall_s)],
    ]),
  );
  console.log(`\nwrote bench/results.json (${Object.keys(output).length} keys)`);
}

await main();
// Undici's global dispatcher (bots' fetch) may hold keep-alive sockets: leave without waiting for them.
process.exit(0);
