// HAPI benchmarks: conditional PUT latency on the same HAPI server jar with sas-guard (hapi/sas-guard.yaml, bridge)
// and without it (no configuration added), the samples of the two interleaved request by request so machine noise
// hits both alike; and the bridge round trip (POST /judge over a kept-alive loopback connection, judgement included).
import type { Appointment } from '@medplum/fhirtypes';
import { join } from 'node:path';
import { Client, Pool } from 'undici';
import { HAPI_DIR, ensureHapiBuilt } from '../src/bridge/hapi-build.ts';
import type { RunningHapi } from '../src/bridge/processes.ts';
import { startBridgeProcess, startHapi } from '../src/bridge/processes.ts';
import { withOwner } from '../src/rules/owner.ts';
import { round, summarize } from './stats.ts';

const SYSTEM = 'urn:oid:1.1.111.1.11.1.1.1';
/** The JVM as a server runs it: the full JIT (tests and `npm run hapi` stop at C1 to start faster). */
const JIT = ['-Xmx1g', '-XX:+UseSerialGC'];

function appointment(value: string, comment: string): Appointment {
  return {
    resourceType: 'Appointment',
    meta: { profile: ['http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS'] },
    extension: [
      {
        url: 'http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator',
        valueReference: {
          identifier: {
            type: { coding: [{ system: 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203', code: 'IDNPS' }] },
            system: 'urn:oid:1.2.250.1.71.4.2.1',
            value: '3456780581/11242343',
          },
        },
      },
    ],
    identifier: [{ system: SYSTEM, value }],
    status: 'booked',
    start: '2026-09-04T14:00:00+01:00',
    end: '2026-09-04T14:15:00+01:00',
    created: '2026-09-01T10:00:00+01:00',
    comment,
    participant: [
      {
        actor: {
          identifier: {
            type: { coding: [{ system: 'http://interopsante.org/fhir/CodeSystem/fr-v2-0203', code: 'IDNPS' }] },
            system: 'urn:oid:1.2.250.1.71.4.2.1',
            value: '810000000009',
          },
        },
        status: 'accepted',
      },
    ],
  };
}

interface Target {
  name: string;
  client: Client;
  path: string;
}

/** A conditional PUT changing the appointment (a new version each time), timed; throws on anything but 200/201. */
async function put(target: Target, value: string, round: number): Promise<number> {
  const started = performance.now();
  const response = await target.client.request({
    method: 'PUT',
    path: `${target.path}/Appointment?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`,
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(appointment(value, `round ${round}`)),
  });
  await response.body.text();
  const elapsed = performance.now() - started;
  if (response.statusCode !== 200 && response.statusCode !== 201) {
    throw new Error(`${target.name}: conditional PUT answered ${response.statusCode}`);
  }
  return elapsed;
}

/** Fires `writers` parallel conditional PUTs of one new identifier, `trials` times; returns the appointments stored. */
async function parallelCreations(target: Target, origin: string, trials: number, writers: number): Promise<number> {
  const pool = new Pool(origin, { connections: writers, pipelining: 1 });
  let stored = 0;
  for (let trial = 0; trial < trials; trial++) {
    const value = `bench-parallel-${target.name}-${trial}-${Date.now()}`;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        const response = await pool.request({
          method: 'PUT',
          path: `${target.path}/Appointment?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`,
          headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify(appointment(value, 'parallel')),
        });
        await response.body.text();
      }),
    );
    const found = await pool.request({
      method: 'GET',
      path: `${target.path}/Appointment?identifier=${encodeURIComponent(value)}&_summary=count`,
    });
    stored += ((await found.body.json()) as { total?: number }).total ?? 0;
  }
  await pool.close();
  return stored;
}

async function bridgeRoundTrip(url: string, count: number): Promise<number[]> {
  const client = new Client(url, { pipelining: 1 });
  const previous = withOwner({ ...appointment('bench-bridge', 'before'), id: '1' }, 'ClientApplication/bench');
  const body = JSON.stringify({
    appointment: { ...appointment('bench-bridge', 'after'), id: '1' },
    previous,
    conditionalIdentifier: `${SYSTEM}|bench-bridge`,
    author: 'ClientApplication/bench',
  });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await client.request({
      method: 'POST',
      path: '/judge',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.body.text();
    times.push(performance.now() - started);
    if (response.statusCode !== 200) {
      throw new Error(`bridge answered ${response.statusCode}`);
    }
  }
  await client.close();
  return times;
}

export async function benchHapi({
  quick,
  log,
}: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<Record<string, number>> {
  ensureHapiBuilt({ offline: true });
  const bridge = await startBridgeProcess();
  const servers: RunningHapi[] = [];
  try {
    log('HAPI with sas-guard...');
    servers.push(
      await startHapi({
        bridgeUrl: bridge.url,
        port: 0,
        configFile: join(HAPI_DIR, 'sas-guard.yaml'),
        logFile: '/dev/null',
        javaOptions: JIT,
      }),
    );
    log('HAPI without it...');
    servers.push(await startHapi({ bridgeUrl: bridge.url, port: 0, logFile: '/dev/null', javaOptions: JIT }));
    const targets: Target[] = servers.map((server, i) => {
      const url = new URL(server.baseUrl);
      return {
        name: i === 0 ? 'guarded' : 'bare',
        client: new Client(url.origin, { pipelining: 1 }),
        path: url.pathname,
      };
    });
    const appointments = quick ? 20 : 50;
    const rounds = quick ? 15 : 40;
    const values = Array.from({ length: appointments }, (_, i) => `bench-hapi-${i}`);
    log(`creating ${appointments} appointments on each, then warming up...`);
    for (const target of targets) {
      for (const value of values) {
        await put(target, value, 0);
      }
    }
    for (let round = 1; round <= (quick ? 5 : 15); round++) {
      for (const value of values) {
        for (const target of targets) {
          await put(target, value, round);
        }
      }
    }
    log(`timing ${appointments * rounds} conditional PUT updates on each, interleaved...`);
    const samples = new Map<string, number[]>(targets.map((target) => [target.name, []]));
    for (let round = 100; round < 100 + rounds; round++) {
      for (const value of values) {
        // Alternate which goes first, so neither always meets a just-warmed cache.
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        for (const target of order) {
          samples.get(target.name)?.push(await put(target, value, round));
        }
      }
    }
    await Promise.all(targets.map((target) => target.client.close()));
    const trials = quick ? 5 : 20;
    log(`${trials} × 8 parallel conditional PUTs of a new identifier on each...`);
    const [guardedStored, bareStored] = await Promise.all(
      targets.map((target, i) => parallelCreations(target, new URL(servers[i]?.baseUrl ?? '').origin, trials, 8)),
    );
    const guarded = summarize(samples.get('guarded') ?? []);
    const bare = summarize(samples.get('bare') ?? []);
    log('bridge round trip...');
    await bridgeRoundTrip(bridge.url, 500);
    const trip = summarize(await bridgeRoundTrip(bridge.url, quick ? 1000 : 5000));
    return {
      hapi_guard_overhead_ratio: round(guarded.p50 / bare.p50),
      hapi_guard_p50_ms: round(guarded.p50),
      hapi_guard_p99_ms: round(guarded.p99),
      hapi_bare_p50_ms: round(bare.p50),
      hapi_bare_p99_ms: round(bare.p99),
      hapi_parallel_trials: trials,
      hapi_guard_parallel_stored: guardedStored ?? 0,
      hapi_bare_parallel_stored: bareStored ?? 0,
      bridge_round_trip_p50_ms: round(trip.p50),
      bridge_round_trip_p99_ms: round(trip.p99),
    };
  } finally {
    await Promise.all([...servers.map((server) => server.stop()), bridge.stop()]);
  }
}

// `node bench/hapi.ts [--quick]`: this benchmark alone.
if (import.meta.filename === process.argv[1]) {
  const started = performance.now();
  const results = await benchHapi({
    quick: process.argv.includes('--quick'),
    log: (line) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`),
  });
  console.log(results);
}
