// Host benchmarks over loopback with a real HTTP client (undici): conditional PUT latency on the embedded host with
// sas-guard vs bare, with 100,000 vs 1,000 appointments stored, throughput with 8 concurrent clients, and the memory
// the host holds with 100,000 appointments. Each host runs in its own process (bench/host-child.ts); the latency
// samples of the hosts compared are interleaved request by request, so machine noise hits them alike.
import type { Appointment } from '@medplum/fhirtypes';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { Client, Pool } from 'undici';
import type { ChildMemory, ChildMessage } from './host-child.ts';
import { loadedAppointment } from './host-child.ts';
import { round, summarize } from './stats.ts';
import type { Summary } from './stats.ts';

const SYSTEM = 'urn:oid:1.1.111.1.11.1.1.1';
const READY_TIMEOUT_MS = 240_000;

export interface BenchHost {
  name: string;
  bare: boolean;
  load: number;
  baseUrl: string;
  loadMs: number;
  before: ChildMemory;
  after: ChildMemory;
  child: ChildProcess;
  /** Appointments created during the bench, which later operations may cancel. */
  created: number;
  nextCreate: number;
  nextUpdate: number;
  statuses: Map<number, number>;
}

export async function spawnHost(name: string, bare: boolean, load: number): Promise<BenchHost> {
  const child = fork(join(import.meta.dirname, 'host-child.ts'), [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, BENCH_BARE: bare ? '1' : '0', BENCH_LOAD: String(load) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`host ${name} not ready within ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host ${name} exited (${String(code)}) before it was ready`));
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    name,
    bare,
    load,
    baseUrl: ready.baseUrl,
    loadMs: ready.loadMs,
    before: ready.before,
    after: ready.after,
    child,
    created: 0,
    nextCreate: 0,
    nextUpdate: 0,
    statuses: new Map(),
  };
}

export function hostMemory(host: BenchHost): Promise<ChildMemory> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no memory report from ${host.name}`)), 30_000);
    const onMessage = (message: ChildMessage): void => {
      if (message.type === 'memory') {
        clearTimeout(timer);
        host.child.off('message', onMessage);
        resolve(message.memory);
      }
    };
    host.child.on('message', onMessage);
    host.child.send('memory');
  });
}

export async function stopHost(host: BenchHost): Promise<void> {
  if (host.child.exitCode !== null) {
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      host.child.kill('SIGKILL');
      resolve();
    }, 10_000);
    host.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    host.child.send('stop');
  });
}

function dated(appointment: Appointment, n: number): Appointment {
  const startMs = Date.now() + 2 * 86_400_000 + (n % 2000) * 900_000;
  return { ...appointment, start: new Date(startMs).toISOString(), end: new Date(startMs + 900_000).toISOString() };
}

/**
 * The next write of the SAS flow on this host: mostly bookings with fresh identifiers; one in four cancels a booked
 * appointment (one of those bulk-loaded, or one booked earlier in the run), each at most once.
 */
export function nextOperation(host: BenchHost, tag: string): { identifier: string; body: Appointment } {
  const n = host.nextCreate + host.nextUpdate;
  const cancelStored = host.load > 0 && host.nextUpdate < host.load;
  const canCancel = cancelStored || host.nextUpdate < host.created - 10;
  if (n % 4 === 3 && canCancel) {
    const k = host.nextUpdate++;
    let booked: Appointment;
    if (cancelStored) {
      booked = loadedAppointment((k * 7919) % host.load);
    } else {
      const value = `${tag}-${k}`;
      booked = dated({ ...loadedAppointment(0), identifier: [{ system: SYSTEM, value }] }, k);
    }
    const identifier = booked.identifier?.[0]?.value ?? '';
    return { identifier, body: { ...booked, status: 'cancelled' } };
  }
  const value = `${tag}-${host.nextCreate++}`;
  host.created++;
  return { identifier: value, body: dated({ ...loadedAppointment(0), identifier: [{ system: SYSTEM, value }] }, n) };
}

async function conditionalPut(
  dispatcher: Client | Pool,
  host: BenchHost,
  identifier: string,
  body: Appointment,
): Promise<number> {
  const url = new URL(host.baseUrl);
  const path = `${url.pathname}/Appointment?identifier=${encodeURIComponent(`${SYSTEM}|${identifier}`)}`;
  const started = performance.now();
  const response = await dispatcher.request({
    method: 'PUT',
    path,
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  await response.body.arrayBuffer();
  const elapsed = performance.now() - started;
  host.statuses.set(response.statusCode, (host.statuses.get(response.statusCode) ?? 0) + 1);
  return elapsed;
}

export interface LatencyOptions {
  rounds: number;
  warmup: number;
  maxMs: number;
}

/** Sequential conditional PUTs (one client each), interleaved across hosts; per-host latencies in ms. */
export async function interleavedLatency(hosts: BenchHost[], options: LatencyOptions): Promise<Map<string, Summary>> {
  const clients = new Map(hosts.map((host) => [host.name, new Client(new URL(host.baseUrl).origin)]));
  const samples = new Map<string, number[]>(hosts.map((host) => [host.name, []]));
  const deadline = performance.now() + options.maxMs;
  try {
    for (let r = 0; r < options.warmup + options.rounds && performance.now() < deadline; r++) {
      for (let h = 0; h < hosts.length; h++) {
        const host = hosts[(h + r) % hosts.length];
        const client = host ? clients.get(host.name) : undefined;
        if (!host || !client) continue;
        const { identifier, body } = nextOperation(host, 'seq');
        const elapsed = await conditionalPut(client, host, identifier, body);
        if (r >= options.warmup) {
          samples.get(host.name)?.push(elapsed);
        }
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
  return new Map([...samples].map(([name, values]) => [name, summarize(values)]));
}

export interface ThroughputResult {
  rps: number;
  latency: Summary;
  requests: number;
}

/** `clients` concurrent keep-alive connections, each sending its next conditional PUT as soon as answered. */
export async function throughput(host: BenchHost, clients: number, durationMs: number): Promise<ThroughputResult> {
  const pool = new Pool(new URL(host.baseUrl).origin, { connections: clients, pipelining: 1 });
  const latencies: number[] = [];
  const maxRequests = 100_000;
  try {
    const started = performance.now();
    const deadline = started + durationMs;
    const worker = async (w: number): Promise<void> => {
      while (performance.now() < deadline && latencies.length < maxRequests) {
        const { identifier, body } = nextOperation(host, `rps${w}`);
        latencies.push(await conditionalPut(pool, host, identifier, body));
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
    const seconds = (performance.now() - started) / 1000;
    return { rps: latencies.length / seconds, latency: summarize(latencies), requests: latencies.length };
  } finally {
    await pool.close();
  }
}

export interface HostBenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

export type HostResults = Record<string, number>;

export async function benchHost({ quick, log }: HostBenchOptions): Promise<HostResults> {
  const hosts: BenchHost[] = [];
  try {
    log('starting hosts: bare 1k, sas-guard 1k, sas-guard 100k (bulk load)...');
    const [bare1k, guard1k] = await Promise.all([spawnHost('bare-1k', true, 1000), spawnHost('guard-1k', false, 1000)]);
    hosts.push(bare1k, guard1k);
    const guard100k = await spawnHost('guard-100k', false, 100_000);
    hosts.push(guard100k);
    log(`100k bulk load: ${(guard100k.loadMs / 1000).toFixed(1)} s`);

    log('interleaved sequential conditional PUTs...');
    const latency = await interleavedLatency([bare1k, guard1k, guard100k], {
      warmup: quick ? 30 : 50,
      rounds: quick ? 400 : 1500,
      maxMs: quick ? 40_000 : 150_000,
    });
    const bare = latency.get(bare1k.name);
    const guard = latency.get(guard1k.name);
    const big = latency.get(guard100k.name);
    if (!bare || !guard || !big) {
      throw new Error('missing latency samples');
    }
    const memoryAfter = await hostMemory(guard100k);

    log('throughput, 8 concurrent clients...');
    const durationMs = quick ? 5_000 : 15_000;
    const guardRps = await throughput(guard1k, 8, durationMs);
    const bareRps = await throughput(bare1k, 8, durationMs);

    const unexpected = hosts.flatMap((host) =>
      [...host.statuses]
        .filter(([status]) => status !== 200 && status !== 201)
        .map(([s, c]) => `${host.name} ${s}×${c}`),
    );
    if (unexpected.length) {
      log(`WARNING unexpected statuses: ${unexpected.join(', ')}`);
    }
    const results: HostResults = {
      host_guard_overhead_ratio: round(guard.p50 / bare.p50, 2),
      host_scale_100k_over_1k: round(big.p50 / guard.p50, 2),
      host_conditional_put_rps: round(guardRps.rps, 1),
      host_bare_p50_ms: round(bare.p50),
      host_bare_p99_ms: round(bare.p99),
      host_guard_p50_ms: round(guard.p50),
      host_guard_p99_ms: round(guard.p99),
      host_guard_100k_p50_ms: round(big.p50),
      host_guard_100k_p99_ms: round(big.p99),
      host_latency_samples_per_host: guard.count,
      host_conditional_put_rps_p50_ms: round(guardRps.latency.p50),
      host_conditional_put_rps_p99_ms: round(guardRps.latency.p99),
      host_bare_conditional_put_rps: round(bareRps.rps, 1),
      host_100k_load_s: round(guard100k.loadMs / 1000, 2),
      host_100k_heap_used_mb: round(guard100k.after.heapUsedMb, 1),
      host_100k_rss_mb: round(guard100k.after.rssMb, 1),
      host_100k_heap_delta_mb: round(guard100k.after.heapUsedMb - guard100k.before.heapUsedMb, 1),
      host_100k_heap_used_after_bench_mb: round(memoryAfter.heapUsedMb, 1),
      host_1k_heap_used_mb: round(guard1k.after.heapUsedMb, 1),
      host_unexpected_statuses: unexpected.length,
    };
    return results;
  } finally {
    await Promise.all(hosts.map((host) => stopHost(host)));
  }
}

if (import.meta.main) {
  console.log(await benchHost({ quick: process.argv.includes('--quick'), log: (line) => console.log(line) }));
}
