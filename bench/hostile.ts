// Cost of hostile input (issue 13, medium 4) on the embedded host as `npm start` runs it (sas-guard installed, SAS
// layer on): each hostile body of about 1 MB (test/reliability/hostile-bodies.ts) is sent 5 times; reported: the
// slowest answer (target ≤ 1 s), the largest answer (target ≤ 1 MB), and an honest conditional PUT sent right behind
// two hostile bodies in flight (target ≤ 1 s, the slowest of 10 tries).
//
//   npx node bench/hostile.ts     (or as part of npm run bench)
import { start } from '../src/host/server.ts';
import { appointmentWithIdentifier } from '../test/fixtures/appointments.ts';
import { hostileBodies } from '../test/reliability/hostile-bodies.ts';
import { round } from './stats.ts';

export interface HostileResult {
  hostile_max_ms: number;
  hostile_max_answer_bytes: number;
  honest_behind_hostile_max_ms: number;
}

async function timed(url: string, body: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body });
  const bytes = (await response.arrayBuffer()).byteLength;
  return { ms: performance.now() - started, bytes };
}

export async function benchHostile({ quick }: { quick: boolean }): Promise<HostileResult> {
  const host = await start({ port: 0, log: () => undefined });
  try {
    const put = (value: string): string =>
      `${host.baseUrl}/Appointment?identifier=${encodeURIComponent(`urn:oid:1.1.111.1.11.1.1.1|${value}`)}`;
    const bodies = hostileBodies();
    let slowest = 0;
    let largest = 0;
    for (const { body } of bodies) {
      for (let i = 0; i < (quick ? 2 : 5); i++) {
        const { ms, bytes } = await timed(put('hostile'), body);
        slowest = Math.max(slowest, ms);
        largest = Math.max(largest, bytes);
      }
    }
    let honestSlowest = 0;
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const hostile = [bodies[0], bodies[1]].map((b) => timed(put('hostile'), b?.body ?? ''));
      const honest = timed(put(`honest-${i}`), JSON.stringify(appointmentWithIdentifier(`honest-${i}`)));
      const [answer] = await Promise.all([honest, ...hostile]);
      honestSlowest = Math.max(honestSlowest, answer.ms);
    }
    return {
      hostile_max_ms: round(slowest, 1),
      hostile_max_answer_bytes: largest,
      honest_behind_hostile_max_ms: round(honestSlowest, 1),
    };
  } finally {
    await host.close();
  }
}

if (import.meta.main) {
  console.log(await benchHostile({ quick: process.argv.includes('--quick') }));
  process.exit(0);
}
