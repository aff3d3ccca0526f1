// Median conditional PUT latency on the embedded host with N appointments stored, without and with a trivial
// pre-commit bot. `npx node src/host/bench.ts [sizes...]` (default 1000 100000).
import type { Appointment } from '@medplum/fhirtypes';
import { bulkLoadAppointments } from './repo.ts';
import type { RunningHost } from './server.ts';
import { start } from './server.ts';

const SYSTEM = 'urn:oid:1.1.111.1.11.1.1.1';

function appointment(value: string, status: Appointment['status'] = 'booked'): Appointment {
  return {
    resourceType: 'Appointment',
    identifier: [{ system: SYSTEM, value }],
    status,
    start: '2030-09-04T14:00:00+01:00',
    end: '2030-09-04T14:15:00+01:00',
    participant: [{ actor: { display: 'PS' }, status: 'accepted' }],
  };
}

async function put(host: RunningHost, value: string, body: Appointment): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${host.baseUrl}/Appointment?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`unexpected status ${response.status}`);
  }
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function deployTrivialBot(host: RunningHost): Promise<void> {
  const post = async (path: string, body: unknown): Promise<{ id?: string }> => {
    const response = await fetch(host.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { id?: string };
  };
  const bot = await post(`admin/projects/${host.project.id}/bot`, { name: 'trivial' });
  await post(`fhir/R4/Bot/${bot.id ?? ''}/$deploy`, { code: 'exports.handler = async () => true;' });
  await post('fhir/R4/Subscription', {
    resourceType: 'Subscription',
    status: 'active',
    reason: 'bench',
    criteria: 'Appointment',
    channel: { type: 'rest-hook', endpoint: `Bot/${bot.id ?? ''}` },
    extension: [{ url: 'https://medplum.com/fhir/StructureDefinition/pre-commit-bot', valueBoolean: true }],
  });
}

async function measure(size: number, withBot: boolean, rounds = 200): Promise<number> {
  const host = await start({ bare: true, port: 0, log: () => undefined });
  try {
    const loadStart = performance.now();
    await bulkLoadAppointments(
      host.repo,
      (function* () {
        for (let i = 0; i < size; i++) {
          yield appointment(`load-${i}`);
        }
      })(),
    );
    const loadMs = performance.now() - loadStart;
    if (withBot) {
      await deployTrivialBot(host);
    }
    for (let i = 0; i < 20; i++) {
      await put(host, `warm-${i}`, appointment(`warm-${i}`));
    }
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // Alternately update a stored appointment and create a new one.
      const value = i % 2 === 0 ? `load-${(i * 7919) % size}` : `new-${i}`;
      times.push(await put(host, value, appointment(value, i % 4 === 0 ? 'noshow' : 'fulfilled')));
    }
    const result = median(times);
    console.log(
      `${size.toString().padStart(7)} stored (loaded in ${(loadMs / 1000).toFixed(1)} s), ${withBot ? 'trivial bot' : 'no bot     '}: median ${result.toFixed(2)} ms`,
    );
    return result;
  } finally {
    await host.close();
  }
}

const sizes = process.argv.slice(2).map(Number).filter(Number.isFinite);
for (const size of sizes.length ? sizes : [1000, 100_000]) {
  await measure(size, false);
  await measure(size, true);
}
