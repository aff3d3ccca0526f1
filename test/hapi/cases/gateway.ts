// HAPI behind the SAS gateway (src/gateway, plain HTTP, bearer mode: each editor's own token reaches HAPI): the
// gateway runs the SAS HTTP layer, HAPI the rules, ownership and isolation; Location names the gateway.
import type { Appointment } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseConfig } from '../../../src/gateway/config.ts';
import type { RunningGateway } from '../../../src/gateway/server.ts';
import { startGateway } from '../../../src/gateway/server.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier, specRefusedBody } from '../../fixtures/appointments.ts';
import { call, holders, rules } from '../fhir.ts';
import type { HapiStack } from '../stack.ts';

export function behindGateway(stack: () => HapiStack): void {
  let gateway: RunningGateway;
  beforeAll(async () => {
    const config = parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      plainHttp: true,
      upstream: { url: stack().rootUrl },
      auth: { mode: 'bearer' },
    });
    gateway = await startGateway(config, { log: () => undefined });
  });
  afterAll(async () => {
    await gateway.close();
  });

  test('the SAS flow through the gateway: 201 then 200, Location on the gateway, 422 in French', async () => {
    const value = randomUUID();
    const url = `${gateway.baseUrl}/Appointment?Identifier=${APPOINTMENT_SYSTEM}|${value}`;
    const headers = { 'content-type': 'application/json+fhir' };
    const body = { ...appointmentWithIdentifier(value), id: '1' };
    const created = await call<Appointment>(url, { method: 'PUT', as: 'editorA', body, headers });
    expect(created.status).toBe(201);
    const location = `${gateway.baseUrl}/Appointment/${created.body.id}`;
    expect(created.headers.get('location')).toBe(location);
    const updated = await call(url, { method: 'PUT', as: 'editorA', body: { ...body, status: 'cancelled' }, headers });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('location')).toBe(location);
    const refused = { ...specRefusedBody(), identifier: [{ system: APPOINTMENT_SYSTEM, value }] };
    const rejected = await call(url, { method: 'PUT', as: 'editorA', body: refused, headers });
    expect(rejected.status).toBe(422);
    expect(rules(rejected)).toContain('ST-2');
    expect(await holders(stack().baseUrl, value)).toHaveLength(1);
  });

  test('ID-4 answered by the gateway, isolation by HAPI behind it', async () => {
    const value = randomUUID();
    const mismatch = await call(`${gateway.baseUrl}/Appointment?Identifier=${APPOINTMENT_SYSTEM}|${randomUUID()}`, {
      method: 'PUT',
      as: 'editorA',
      body: appointmentWithIdentifier(value),
    });
    expect(mismatch.status).toBe(422);
    expect(rules(mismatch)).toEqual(['ID-4']);
    const created = await call<Appointment>(`${gateway.baseUrl}/Appointment`, {
      method: 'POST',
      as: 'editorA',
      body: appointmentWithIdentifier(value),
    });
    expect(created.status).toBe(201);
    expect((await call(`${gateway.baseUrl}/Appointment/${created.body.id}`, { as: 'editorB' })).status).toBe(404);
    expect((await call(`${gateway.baseUrl}/Appointment/${created.body.id}`, { as: 'editorA' })).status).toBe(200);
  });
}
