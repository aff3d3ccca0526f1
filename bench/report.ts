// What a benchmark run means: its targets (met or missed), its latency and other figures, as markdown tables. Shared
// by `npm run bench` (console, bench/results.json, bench/runs/) and `npm run bench:report` (docs/performance.md), so
// the figures the docs show are the ones a run wrote.
import { join } from 'node:path';

/** Every full run's results, committed: the docs' figures are regenerated from the newest. */
export const RUNS_DIR = join(import.meta.dirname, 'runs');

export interface Target {
  key: string;
  what: string;
  target: string;
  /** undefined: a figure reported, with no target to meet. */
  ok: (value: number) => boolean | undefined;
}

export const TARGETS: Target[] = [
  {
    key: 'rules_p50_us',
    what: 'every business rule on one valid appointment (µs)',
    target: '≤ 25',
    ok: (v) => v <= 25,
  },
  {
    key: 'validation_cached_speedup',
    what: 'profile validation: SD parsed per call (Medplum) ÷ parsed profile reused',
    target: '≥ 3',
    ok: (v) => v >= 3,
  },
  {
    key: 'bot_vm_overhead_ratio',
    what: 'one vmcontext execution (new context, script compiled once per code): bot bundle on a creation ÷ trivial bot',
    target: '≤ 3',
    ok: (v) => v <= 3,
  },
  {
    key: 'host_guard_overhead_ratio',
    what: 'median conditional PUT, host with sas-guard ÷ `--bare` host',
    target: '≤ 1.5',
    ok: (v) => v <= 1.5,
  },
  {
    key: 'host_scale_100k_over_1k',
    what: 'median conditional PUT, 100,000 ÷ 1,000 appointments stored',
    target: '≤ 1.5',
    ok: (v) => v <= 1.5,
  },
  {
    key: 'gateway_fairness_honest_max_ms',
    what: 'gateway: worst of 20 honest GETs while another editor holds 70 unread large answers (ms)',
    target: '≤ 1000',
    ok: (v) => v <= 1000,
  },
  {
    key: 'hostile_max_ms',
    what: 'slowest answer to a hostile body of about 1 MB (ms)',
    target: '≤ 1000',
    ok: (v) => v <= 1000,
  },
  {
    key: 'hostile_max_answer_bytes',
    what: 'largest answer to a hostile body (bytes)',
    target: '≤ 1 MB',
    ok: (v) => v <= 1024 * 1024,
  },
  {
    key: 'honest_behind_hostile_max_ms',
    what: 'an honest conditional PUT behind two hostile bodies in flight, slowest (ms)',
    target: '≤ 1000',
    ok: (v) => v <= 1000,
  },
  {
    key: 'hapi_guard_overhead_ratio',
    what: 'median conditional PUT on HAPI FHIR, with sas-guard ÷ without (same server, interleaved)',
    target: '≤ 1.25',
    ok: (v) => v <= 1.25,
  },
  {
    key: 'bridge_round_trip_p50_ms',
    what: 'the Node bridge round trip, judgement included (ms)',
    target: '≤ 0.5',
    ok: (v) => v <= 0.5,
  },
  {
    key: 'sas_check_rate',
    what: 'sas-check -q as installed, whole process, NDJSON (appointments/s)',
    target: '≥ 5,000',
    ok: (v) => v >= 5000,
  },
  {
    key: 'request_log_ring_mib',
    what: "embedded host's request log at its default size (500), each request and answer 0.6 MB (MiB of heap)",
    target: '≤ 32',
    ok: (v) => v <= 32,
  },
  {
    key: 'host_conditional_put_rps',
    what: 'conditional PUTs per second, 8 concurrent clients, sas-guard',
    target: 'reported',
    ok: () => undefined,
  },
];

/** Latency rows: label, p50 key, p99 key. */
const LATENCIES: [string, string, string?][] = [
  ['rules (µs)', 'rules_p50_us', 'rules_p99_us'],
  ['profile validation, SD parsed on every call (µs)', 'validation_every_call_p50_us', 'validation_every_call_p99_us'],
  ['profile validation, parsed profile reused (µs)', 'validation_cached_p50_us', 'validation_cached_p99_us'],
  ['vmcontext, bot bundle on a creation, its 2 reads over HTTP (ms)', 'bot_vm_p50_ms', 'bot_vm_p99_ms'],
  [
    'vmcontext, bot bundle on a creation, its 2 reads answered in memory (ms)',
    'bot_vm_no_io_p50_ms',
    'bot_vm_no_io_p99_ms',
  ],
  ['vmcontext, trivial bot (ms)', 'bot_vm_trivial_p50_ms', 'bot_vm_trivial_p99_ms'],
  ['vmcontext, bot bundle refusing a creation, profile checked for the 422 (ms)', 'bot_vm_rejected_p50_ms'],
  ["the bot's 2 reads alone, MedplumClient outside the vm (ms)", 'bot_vm_reads_p50_ms'],
  [
    'request log: one README PUT (201) recorded, redacted, its line formatted (µs)',
    'request_log_record_p50_us',
    'request_log_record_p99_us',
  ],
  ['request log: one 422 of bad.json recorded (µs)', 'request_log_record_422_p50_us'],
  ['conditional PUT, bare host, 1,000 stored (ms)', 'host_bare_p50_ms', 'host_bare_p99_ms'],
  ['conditional PUT, sas-guard, 1,000 stored (ms)', 'host_guard_p50_ms', 'host_guard_p99_ms'],
  ['conditional PUT, sas-guard, 100,000 stored (ms)', 'host_guard_100k_p50_ms', 'host_guard_100k_p99_ms'],
  ['conditional PUT, bare HAPI (ms)', 'hapi_bare_p50_ms', 'hapi_bare_p99_ms'],
  ['conditional PUT, HAPI + sas-guard (ms)', 'hapi_guard_p50_ms', 'hapi_guard_p99_ms'],
  ['bridge round trip (ms)', 'bridge_round_trip_p50_ms', 'bridge_round_trip_p99_ms'],
  [
    'conditional PUT under 8 clients, sas-guard (ms)',
    'host_conditional_put_rps_p50_ms',
    'host_conditional_put_rps_p99_ms',
  ],
];

const OTHERS: [string, string][] = [
  ['bot bundle size (bytes)', 'bot_bundle_bytes'],
  ['vmcontext ratio with the reads answered in memory: bundle ÷ trivial bot', 'bot_vm_overhead_ratio_no_io'],
  ['host heap used, 100,000 appointments (MB)', 'host_100k_heap_used_mb'],
  ['host heap growth from bulk-loading 100,000 (MB)', 'host_100k_heap_delta_mb'],
  ['host RSS, 100,000 appointments (MB)', 'host_100k_rss_mb'],
  ['bulk load of 100,000 (s)', 'host_100k_load_s'],
  ['conditional PUTs/s, 8 clients, bare host', 'host_bare_conditional_put_rps'],
  [
    'appointments stored by the HAPI parallel trials, with sas-guard (one per trial expected)',
    'hapi_guard_parallel_stored',
  ],
  ['the same on bare HAPI (duplicates)', 'hapi_bare_parallel_stored'],
  ['wall time (s)', 'wall_s'],
];

export interface TargetResult {
  key: string;
  value?: number;
  target: string;
  /** null: reported only. */
  met: boolean | null;
}

/** What bench/results.json and each bench/runs/*.json hold. */
export interface BenchRun {
  mode: 'full' | 'quick';
  date: string;
  machine: Record<string, string | number>;
  results: Record<string, number>;
  targets: TargetResult[];
  /** Keys of the targets missed (a figure missing counts as missed). */
  missed: string[];
}

export function evaluateTargets(results: Record<string, number>): Pick<BenchRun, 'targets' | 'missed'> {
  const targets = TARGETS.map((t): TargetResult => {
    const value = results[t.key];
    const ok = value === undefined || !Number.isFinite(value) ? false : t.ok(value);
    return { key: t.key, value, target: t.target, met: ok === undefined ? null : ok };
  });
  return { targets, missed: targets.filter((t) => t.met === false).map((t) => t.key) };
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

/** The run as markdown: machine, targets (met or NOT), latencies, other figures. */
export function renderRun(run: BenchRun): string {
  const { results } = run;
  const machine = Object.entries(run.machine)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  const what = new Map(TARGETS.map((t) => [t.key, t.what]));
  return [
    `${run.mode} run of ${run.date}, ${machine}.`,
    table([
      ['key', 'what', 'value', 'target', 'met'],
      ...run.targets.map((t) => [
        `\`${t.key}\``,
        what.get(t.key) ?? '',
        fmt(t.value),
        t.target,
        t.met === null ? '' : t.met ? 'yes' : 'NO',
      ]),
    ]),
    table([
      ['latency', 'p50', 'p99'],
      ...LATENCIES.map(([label, p50, p99]) => [label, fmt(results[p50]), p99 ? fmt(results[p99]) : '']),
    ]),
    table([['other', 'value'], ...OTHERS.map(([label, key]) => [label, fmt(results[key])])]),
  ].join('\n\n');
}
