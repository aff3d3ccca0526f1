// CPU profile of the sas-guard host under sequential conditional PUTs (in process, so the profile covers the host,
// the bot's vm context and its HTTP reads): `npx node bench/profile-host.ts [out.cpuprofile] [requests]`, then
// `npx node bench/cpuprofile-top.ts out.cpuprofile`.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Client } from 'undici';
import { start } from '../src/host/server.ts';
import { bulkLoadAppointments } from '../src/host/repo.ts';
import { loadedAppointment } from './host-child.ts';
import type { BenchHost } from './host.ts';
import { nextOperation } from './host.ts';

const out = process.argv[2] ?? 'host.cpuprofile';
const requests = Math.min(Number(process.argv[3] ?? 300), 5000);
const running = await start({ bare: process.env.BENCH_BARE === '1', port: 0, log: () => undefined });
await bulkLoadAppointments(
  running.repo,
  Array.from({ length: 1000 }, (_, i) => loadedAppointment(i)),
);
const host = {
  name: 'profile',
  bare: false,
  load: 1000,
  baseUrl: running.baseUrl,
  created: 0,
  nextCreate: 0,
  nextUpdate: 0,
  statuses: new Map<number, number>(),
} as unknown as BenchHost;
const client = new Client(new URL(running.baseUrl).origin);
const put = async (): Promise<void> => {
  const { identifier, body } = nextOperation(host, 'p');
  const response = await client.request({
    method: 'PUT',
    path: `/fhir/R4/Appointment?identifier=${encodeURIComponent(`urn:oid:1.1.111.1.11.1.1.1|${identifier}`)}`,
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  await response.body.arrayBuffer();
  host.statuses.set(response.statusCode, (host.statuses.get(response.statusCode) ?? 0) + 1);
};
for (let i = 0; i < 50; i++) await put();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const started = performance.now();
for (let i = 0; i < requests; i++) await put();
const elapsed = performance.now() - started;
const { profile } = await session.post('Profiler.stop');
writeFileSync(out, JSON.stringify(profile));
console.log(
  `${requests} PUTs, ${(elapsed / requests).toFixed(2)} ms each; statuses ${JSON.stringify([...host.statuses])}`,
);
await client.close();
await running.close();
process.exit(0);
