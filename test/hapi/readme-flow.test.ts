// The README's "Try it" curl flow, unchanged (its example bodies, ?Identifier=, application/json+fhir), against
// `npm run hapi` as a user starts it: HAPI FHIR with sas-guard and the bridge, PORT and HOST as for `npm start`.
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../src/bridge/processes.ts';
import { ruleIdOf } from '../../src/rules/engine.ts';
import { badJsonIssues } from '../fixtures/readme-flow.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ID = 'urn:oid:1.1.111.1.11.1.1.1|b6e39355-8a61-4556-b340-36f7b95fec6a';

let child: ChildProcess;
let base = '';
let output = '';

beforeAll(async () => {
  const port = await freePort();
  child = spawn('npm', ['run', 'hapi'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  base = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const url = /FHIR base (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearInterval(timer);
        resolve(url);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`npm run hapi exited: ${output.trim().split('\n').slice(-5).join('\n')}`));
      }
    }, 200);
  });
  expect(base).toBe(`http://127.0.0.1:${port}/fhir/R4`);
}, 300_000);

/** Stops npm, the launcher, the bridge and HAPI (one process group), and waits until none of them is left. */
afterAll(async () => {
  const group = child.pid;
  if (group === undefined) {
    return;
  }
  const alive = (): boolean => {
    try {
      process.kill(-group, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(-group, 'SIGTERM');
  for (let waited = 0; alive() && waited < 30_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (alive()) {
    process.kill(-group, 'SIGKILL');
  }
}, 60_000);

function put(identifier: string, body: string, contentType = 'application/json+fhir'): Promise<Response> {
  return fetch(`${base}/Appointment?Identifier=${identifier}`, {
    method: 'PUT',
    headers: { 'Content-Type': contentType },
    body,
  });
}

const example = (name: string): string => readFileSync(join(ROOT, 'examples', name), 'utf8');

test('create 201, identical retry 200 with the same version, cancel 200, each with Location', async () => {
  const created = await put(ID, example('booked.json'));
  expect(created.status).toBe(201);
  const location = created.headers.get('location');
  expect(location).toMatch(new RegExp(`^${base}/Appointment/[^/]+$`));
  const retry = await put(ID, example('booked.json'));
  expect(retry.status).toBe(200);
  expect(retry.headers.get('location')).toBe(location);
  expect(retry.headers.get('etag')).toBe(created.headers.get('etag'));
  const cancelled = await put(ID, example('cancelled.json'));
  expect(cancelled.status).toBe(200);
  expect(cancelled.headers.get('location')).toBe(location);
  expect(cancelled.headers.get('etag')).not.toBe(created.headers.get('etag'));
  const rebooked = await put(ID, example('booked.json'));
  expect(rebooked.status).toBe(422);
  expect(((await rebooked.json()) as OperationOutcome).issue.map(ruleIdOf)).toContain('ST-4');
});

test('bad.json: one 422 naming every problem, errors and warnings, as on the embedded host', async () => {
  const response = await put('urn:oid:1.1.111.1.11.1.1.1|c0ffee00-0000-4000-8000-000000000001', example('bad.json'));
  expect(response.status).toBe(422);
  const outcome = (await response.json()) as OperationOutcome;
  expect(outcome.issue.map((issue) => [issue.severity, ruleIdOf(issue)])).toEqual(badJsonIssues());
});

test('the malformed requests: 400 with an OperationOutcome', async () => {
  const unparsable = await put('urn:oid:1.2.3|x', '{"resourceType":', 'application/fhir+json');
  const misspelt = await fetch(`${base}/Appointment?identifer=x`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: example('booked.json'),
  });
  const { start: _start, ...withoutStart } = JSON.parse(example('booked.json')) as Record<string, unknown>;
  withoutStart.identifier = [{ system: 'urn:oid:1.1.111.1.11.1.1.1', value: 'rdv-without-start' }];
  const profile = await put(
    'urn:oid:1.1.111.1.11.1.1.1|rdv-without-start',
    JSON.stringify(withoutStart),
    'application/fhir+json',
  );
  for (const response of [unparsable, misspelt, profile]) {
    expect(response.status).toBe(400);
    expect(((await response.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
  }
});
