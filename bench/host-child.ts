// A benchmark host in its own process (so its memory can be read and the load generator does not share its event
// loop): starts the embedded host (bare or with sas-guard installed), bulk-loads N appointments, then answers IPC
// messages. Started by bench/host.ts with `fork(..., { execArgv: ['--expose-gc'] })`; env BENCH_BARE=1, BENCH_LOAD=N.
import type { Appointment } from '@medplum/fhirtypes';
import { bulkLoadAppointments } from '../src/host/repo.ts';
import { start } from '../src/host/server.ts';
import { appointmentWithIdentifier } from '../test/fixtures/appointments.ts';

export interface ChildMemory {
  heapUsedMb: number;
  rssMb: number;
}

export type ChildMessage =
  | { type: 'ready'; baseUrl: string; loadMs: number; before: ChildMemory; after: ChildMemory; errors: number }
  | { type: 'memory'; memory: ChildMemory; errors: number };

/** The stored appointment number `i`, identifier `load-<i>`, booked, dated from now (as a SAS sender would). */
export function loadedAppointment(i: number): Appointment {
  const startMs = Date.now() + 86_400_000 + (i % 1000) * 900_000;
  return {
    ...appointmentWithIdentifier(`load-${i}`),
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 900_000).toISOString(),
  };
}

function memory(): ChildMemory {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return { heapUsedMb: usage.heapUsed / 2 ** 20, rssMb: usage.rss / 2 ** 20 };
}

async function main(): Promise<void> {
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  const bare = process.env.BENCH_BARE === '1';
  const load = Number(process.env.BENCH_LOAD ?? 0);
  let errors = 0;
  const log = (line: string): void => {
    if (/error|fail/i.test(line)) {
      errors++;
      if (errors <= 3) {
        process.stderr.write(`[bench host ${bare ? 'bare' : 'guard'} ${load}] ${line.slice(0, 300)}\n`);
      }
    }
  };
  const host = await start({ bare, port: 0, log });
  const before = memory();
  const loadStart = performance.now();
  await bulkLoadAppointments(
    host.repo,
    (function* () {
      for (let i = 0; i < load; i++) {
        yield loadedAppointment(i);
      }
    })(),
  );
  const loadMs = performance.now() - loadStart;
  send({ type: 'ready', baseUrl: host.baseUrl, loadMs, before, after: memory(), errors });
  process.on('message', (message: unknown) => {
    if (message === 'memory') {
      send({ type: 'memory', memory: memory(), errors });
    } else if (message === 'stop') {
      host.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  process.on('disconnect', () => process.exit(0));
}

await main();
