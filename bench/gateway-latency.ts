// Latency the SAS gateway adds: sequential conditional PUTs of an Appointment over loopback, straight to the upstream
// (the embedded host in --medplum-only mode, bare: no bot, so that the upstream's own cost stays small and stable)
// and through the gateway, with mTLS + certificate mapping and in plain-HTTP bearer mode, without and with
// compression (`Accept-Encoding: gzip, deflate, br`: the upstream answers br, which the gateway decodes to add the
// 200's Location and encodes again for the client). Keep-alive connections
// (a SAS client keeps its connection); the cost of a fresh mTLS handshake is measured apart.
//
//   npx node bench/gateway-latency.ts [--requests 1000] [--with-bot]
//
// Requests are interleaved (direct, plain gateway, mTLS gateway, direct, ...) so that drift affects all alike.
import http from 'node:http';
import https from 'node:https';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/gateway/config.ts';
import { startGateway } from '../src/gateway/server.ts';
import { start } from '../src/host/server.ts';
import { createTestPki } from '../test/gateway/certs.ts';
import { appointmentWithIdentifier } from '../test/fixtures/appointments.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '1000' }, 'with-bot': { type: 'boolean', default: false } },
});
const requests = Math.min(Math.max(Number(values.requests) || 1000, 50), 5000);
const TOKEN = 'bench-token';
const quiet = (): void => undefined;

const pki = await createTestPki();
const upstream = await start({ port: 0, sasLayer: false, bare: !values['with-bot'], token: TOKEN, log: quiet });
const mtls = await startGateway(
  parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    tls: pki.files,
    upstream: { url: upstream.url },
    auth: {
      mode: 'certificate',
      clients: [{ match: { cn: 'agenda-editeur-1', ou: 'SAS' }, clientId: 'c1', clientSecret: 's1' }],
    },
  }),
  { log: quiet },
);
const plain = await startGateway(
  parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    plainHttp: true,
    upstream: { url: upstream.url },
    auth: { mode: 'bearer' },
  }),
  { log: quiet },
);

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const tlsOptions = { ca: pki.caPem, cert: pki.good.cert, key: pki.good.key };
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ...tlsOptions });

function put(url: string, body: Buffer, headers: Record<string, string>, agent: http.Agent | false): Promise<number> {
  const target = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const options = {
      method: 'PUT',
      hostname: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      headers: { 'content-type': 'application/fhir+json', 'content-length': String(body.length), ...headers },
      agent,
    };
    const req = target.protocol === 'https:' ? https.request({ ...options, ...tlsOptions }) : http.request(options);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200 && res.statusCode !== 201) {
          reject(new Error(`${url}: HTTP ${res.statusCode}`));
        } else {
          resolve(performance.now() - started);
        }
      });
    });
    req.end(body);
  });
}

interface Target {
  name: string;
  send(i: number): Promise<number>;
}

const SYSTEM = 'urn:oid:1.1.111.1.11.1.1.1';
// A description makes the answer about 1.1 KB, as the recorded SAS appointments are: over compression's 1 KB threshold.
const DESCRIPTION = 'Consultation de soins non programmés prise par le Service d’Accès aux Soins (régulation).'.repeat(
  2,
);
const body = (value: string, id?: string): Buffer =>
  Buffer.from(
    JSON.stringify({ ...appointmentWithIdentifier(value), description: DESCRIPTION, ...(id ? { id } : {}) }),
    'utf8',
  );
const BR = { 'accept-encoding': 'gzip, deflate, br' };
const targets: Target[] = [
  {
    name: 'direct (upstream alone, ?identifier=, no body id)',
    send: (i) =>
      put(
        `${upstream.baseUrl}/Appointment?identifier=${encodeURIComponent(`${SYSTEM}|direct-${i % 50}`)}`,
        body(`direct-${i % 50}`),
        { authorization: `Bearer ${TOKEN}` },
        httpAgent,
      ),
  },
  {
    name: 'direct, Accept-Encoding: gzip, deflate, br',
    send: (i) =>
      put(
        `${upstream.baseUrl}/Appointment?identifier=${encodeURIComponent(`${SYSTEM}|direct-br-${i % 50}`)}`,
        body(`direct-br-${i % 50}`),
        { authorization: `Bearer ${TOKEN}`, ...BR },
        httpAgent,
      ),
  },
  {
    name: 'gateway, plain HTTP, bearer passthrough (?Identifier=, id "1")',
    send: (i) =>
      put(
        `${plain.baseUrl}/Appointment?Identifier=${encodeURIComponent(`${SYSTEM}|plain-${i % 50}`)}`,
        body(`plain-${i % 50}`, '1'),
        { authorization: `Bearer ${TOKEN}` },
        httpAgent,
      ),
  },
  {
    name: 'gateway, plain HTTP, bearer, Accept-Encoding: gzip, deflate, br',
    send: (i) =>
      put(
        `${plain.baseUrl}/Appointment?Identifier=${encodeURIComponent(`${SYSTEM}|plain-br-${i % 50}`)}`,
        body(`plain-br-${i % 50}`, '1'),
        { authorization: `Bearer ${TOKEN}`, ...BR },
        httpAgent,
      ),
  },
  {
    name: 'gateway, mTLS, certificate mapping (?Identifier=, id "1")',
    send: (i) =>
      put(
        `${mtls.baseUrl}/Appointment?Identifier=${encodeURIComponent(`${SYSTEM}|mtls-${i % 50}`)}`,
        body(`mtls-${i % 50}`, '1'),
        {},
        httpsAgent,
      ),
  },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const samples = targets.map(() => [] as number[]);
for (let i = 0; i < 50; i++) {
  for (const target of targets) {
    await target.send(i); // warm-up, creates the 50 appointments of each target
  }
}
for (let i = 0; i < requests; i++) {
  for (const [t, target] of targets.entries()) {
    samples[t]?.push(await target.send(i));
  }
}
const handshake: number[] = [];
for (let i = 0; i < 50; i++) {
  handshake.push(
    await put(
      `${mtls.baseUrl}/Appointment?Identifier=${encodeURIComponent(`${SYSTEM}|mtls-${i}`)}`,
      body(`mtls-${i}`),
      {},
      false,
    ),
  );
}

const rows = targets.map((target, t) => {
  const sorted = [...(samples[t] ?? [])].sort((a, b) => a - b);
  return { target: target.name, median: percentile(sorted, 50), p99: percentile(sorted, 99) };
});
/** Each gateway row against the direct row of the same compression. */
const directOf = (row: (typeof rows)[number]): (typeof rows)[number] | undefined =>
  row.target.includes('Accept-Encoding') ? rows[1] : rows[0];
console.log(
  `${requests} sequential conditional PUTs per target (keep-alive, loopback, upstream ${values['with-bot'] ? 'with' : 'without'} bot), ms:`,
);
for (const row of rows) {
  const direct = directOf(row);
  const added =
    direct && !row.target.startsWith('direct')
      ? `  added: median +${(row.median - direct.median).toFixed(2)}, p99 +${(row.p99 - direct.p99).toFixed(2)}`
      : '';
  console.log(`  ${row.target.padEnd(64)} median ${row.median.toFixed(2)}  p99 ${row.p99.toFixed(2)}${added}`);
}
const sortedHandshake = handshake.sort((a, b) => a - b);
console.log(
  `  gateway mTLS, new connection per request (TLS handshake included, 50 requests): median ${percentile(sortedHandshake, 50).toFixed(2)}  p99 ${percentile(sortedHandshake, 99).toFixed(2)}`,
);

httpAgent.destroy();
httpsAgent.destroy();
await mtls.close();
await plain.close();
await upstream.close();
rmSync(pki.dir, { recursive: true, force: true });
