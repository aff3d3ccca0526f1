// The bridge on its own (no Java): the judgement protocol HAPI's interceptor speaks, its refusals, keep-alive, the
// Unix socket, and a wrong configuration stopping it at start with one line.
import type { Appointment, OperationOutcome } from '@medplum/fhirtypes';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningBridge } from '../../src/bridge/server.ts';
import { startBridge } from '../../src/bridge/server.ts';
import { DEFAULT_CONFIG } from '../../src/rules/config.ts';
import { ruleIdOf } from '../../src/rules/engine.ts';
import { withOwner } from '../../src/rules/owner.ts';
import { OWNER_TAG_SYSTEM } from '../../src/rules/sas-codes.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier } from '../fixtures/appointments.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'sas-guard.ts');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let bridge: RunningBridge;

beforeAll(async () => {
  bridge = await startBridge({ config: DEFAULT_CONFIG, port: 0, log: () => undefined });
});
afterAll(async () => {
  agent.destroy();
  await bridge.close();
});

interface Exchange {
  status: number;
  body: unknown;
  reused: boolean;
}

function request(method: string, path: string, body?: unknown, target: http.RequestOptions = {}): Promise<Exchange> {
  const url = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        agent,
        ...target,
        method,
        path,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            reused: req.reusedSocket,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const rules = (exchange: Exchange): (string | undefined)[] => (exchange.body as OperationOutcome).issue.map(ruleIdOf);

test('a creation is accepted with the owner recorded, over one kept-alive connection', async () => {
  const appointment = appointmentWithIdentifier('bridge-1');
  const first = await request('POST', '/judge', { appointment, author: 'ClientApplication/a', identifierHolders: [] });
  expect(first.status).toBe(200);
  expect((first.body as Appointment).meta?.tag).toEqual([{ system: OWNER_TAG_SYSTEM, code: 'ClientApplication/a' }]);
  const second = await request('GET', '/health');
  expect(second).toEqual({ status: 200, body: { status: 'ok' }, reused: true });
});

test('the request context reaches the rules: OW-1, ID-3, ID-4', async () => {
  const previous = withOwner({ ...appointmentWithIdentifier('bridge-2'), id: '7' }, 'ClientApplication/a');
  const changed = { ...appointmentWithIdentifier('bridge-2'), id: '7', status: 'cancelled' as const };
  expect(
    rules(await request('POST', '/judge', { appointment: changed, previous, author: 'ClientApplication/b' })),
  ).toContain('OW-1');
  const holders = await request('POST', '/judge', {
    appointment: appointmentWithIdentifier('bridge-3'),
    identifierHolders: ['12'],
  });
  expect(holders.status).toBe(422);
  expect(rules(holders)).toContain('ID-3');
  const mismatch = await request('POST', '/judge', {
    appointment: appointmentWithIdentifier('bridge-4'),
    conditionalIdentifier: `${APPOINTMENT_SYSTEM}|other`,
  });
  expect(rules(mismatch)).toContain('ID-4');
});

test('a rejection also names what the profile would refuse, as the Medplum bot does', async () => {
  const { extension: _operator, ...appointment } = appointmentWithIdentifier('bridge-5');
  const answer = await request('POST', '/judge', { appointment, identifierHolders: ['12'] });
  expect(answer.status).toBe(422);
  const issues = (answer.body as OperationOutcome).issue;
  expect(issues.map((issue) => [ruleIdOf(issue) ?? issue.code, issue.expression?.[0]])).toEqual(
    expect.arrayContaining([
      ['ID-3', 'Appointment.identifier[0]'],
      ['structure', 'Appointment.extension'],
    ]),
  );
});

test('a malformed judgement request is 400, an unknown route 404, each with an OperationOutcome', async () => {
  for (const [body, text] of [
    ['{', 'not JSON'],
    [{ appointment: { resourceType: 'Patient' } }, 'appointment must be an Appointment'],
    [{ appointment: appointmentWithIdentifier('x'), identifierHolders: 'x' }, 'identifierHolders'],
  ] as const) {
    const answer = await request('POST', '/judge', body);
    expect(answer.status).toBe(400);
    expect((answer.body as OperationOutcome).issue[0]?.details?.text).toContain(text);
  }
  expect((await request('GET', '/judge')).status).toBe(404);
});

test('on a Unix socket', async () => {
  const socket = join(mkdtempSync(join(tmpdir(), 'sas-guard-bridge-')), 'bridge.sock');
  const onSocket = await startBridge({ config: DEFAULT_CONFIG, socket, log: () => undefined });
  try {
    expect(onSocket.url).toBe(`unix:${socket}`);
    const answer = await request(
      'POST',
      '/judge',
      { appointment: appointmentWithIdentifier('bridge-5') },
      { socketPath: socket, agent: false },
    );
    expect(answer.status).toBe(200);
  } finally {
    await onSocket.close();
  }
});

test('a wrong configuration or a non-loopback address stops `sas-guard bridge` with one line', () => {
  const severities = spawnSync(process.execPath, [CLI, 'bridge', '--port', '0'], {
    env: { ...process.env, SAS_GUARD_SEVERITIES: '{"XX-1":"off"}' },
    encoding: 'utf8',
  });
  expect(severities.status).toBe(1);
  expect(severities.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(
      /^sas-guard bridge: Invalid sas-guard configuration: SAS_GUARD_SEVERITIES: unknown rule "XX-1"/,
    ),
  ]);
  const exposed = spawnSync(process.execPath, [CLI, 'bridge', '--host', '0.0.0.0'], { encoding: 'utf8' });
  expect(exposed.status).toBe(1);
  expect(exposed.stderr.trim()).toMatch(
    /^sas-guard bridge: --host 0\.0\.0\.0: the bridge trusts its caller and listens on loopback only/,
  );
});

test('an unknown option or a bad port is one line pointing to the help, exit 2', () => {
  for (const [args, line] of [
    [['--bogus'], 'sas-guard bridge: unknown option --bogus — see sas-guard bridge --help'],
    [['--port', 'x'], 'sas-guard bridge: --port x is not a port number — see sas-guard bridge --help'],
  ] as const) {
    const result = spawnSync(process.execPath, [CLI, 'bridge', ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([line]);
  }
});
