// `sas-guard start` is guarded from the first byte (issue 12 §3): a client hammering the host from its first
// connection — as an editor's CI does once /healthcheck answers — never gets a 2xx for a bad appointment, and
// /healthcheck answers 200 only once sas-guard is installed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BAD = readFileSync(join(ROOT, 'examples', 'bad.json'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test('from the first connection: no 2xx for a bad appointment, /healthcheck 200 only once installed', async () => {
  const port = await freePort();
  const { SAS_GUARD_TOKEN: _token, ...env } = process.env;
  const child = spawn(process.execPath, [join(ROOT, 'src', 'cli', 'sas-guard.ts'), 'start'], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let listening = false;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('FHIR base')) listening = true;
  });
  const base = `http://127.0.0.1:${port}`;
  const statuses: number[] = [];
  let sentBeforeListening = 0;
  let healthyBeforeListening = 0;
  try {
    const deadline = Date.now() + 30_000;
    // Hammer until the host has been listening for a while: 4 requests in flight at a time.
    let after = 0;
    while (Date.now() < deadline && after < 40) {
      const wasListening = listening;
      if (!wasListening) sentBeforeListening += 4;
      const rounds = await Promise.all(
        Array.from({ length: 4 }, async (_, n) => {
          try {
            if (n === 0) {
              const health = await fetch(`${base}/healthcheck`);
              await health.text();
              // The listening line is printed after installation; a 200 seen while it was not yet printed must come
              // from a request that waited for the installation.
              if (health.status === 200 && !wasListening) healthyBeforeListening++;
              return undefined;
            }
            const answer = await fetch(
              `${base}/fhir/R4/Appointment?Identifier=${encodeURIComponent(`urn:oid:1.1.111.1.11.1.1.1|early-${n}-${Date.now()}`)}`,
              { method: 'PUT', headers: { 'content-type': 'application/json+fhir' }, body: BAD },
            );
            await answer.text();
            return answer.status;
          } catch {
            return undefined; // not listening yet
          }
        }),
      );
      statuses.push(...rounds.filter((s): s is number => s !== undefined));
      if (listening) after++;
    }
  } finally {
    child.kill('SIGTERM');
  }
  expect(listening, stderr).toBe(true);
  expect(sentBeforeListening).toBeGreaterThan(0);
  expect(statuses.length).toBeGreaterThan(100);
  expect(statuses.filter((s) => s >= 200 && s < 300)).toEqual([]);
  expect(new Set(statuses)).toEqual(new Set([422]));
  expect(healthyBeforeListening).toBeLessThanOrEqual(1);
}, 60_000);
