// Raw `POST [base]/Binary`, as on Medplum: what `medplum.createAttachment` sends (the deploy installer saves the bot's
// source that way).
import { MedplumClient } from '@medplum/core';
import type { Binary } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHost } from '../../src/host/server.ts';
import { call, startHost } from './helpers.ts';

let host: RunningHost;

beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host.close();
});

const decoded = (binary: Binary): string => Buffer.from(binary.data ?? '', 'base64').toString('utf8');

describe('POST [base]/Binary with raw content', () => {
  test('any non-JSON content type: 201, Location, a Binary with that content type and the bytes', async () => {
    const source = 'export const answer: number = 42; // é\n';
    const answer = await call(host, 'POST', 'fhir/R4/Binary?_filename=index.ts', source, {
      'content-type': 'text/typescript',
    });
    expect(answer.status, answer.text.slice(0, 300)).toBe(201);
    const binary = answer.body as unknown as Binary;
    expect(binary).toMatchObject({
      resourceType: 'Binary',
      contentType: 'text/typescript',
      url: `Binary/${binary.id}`,
    });
    expect(decoded(binary)).toBe(source);
    expect(answer.headers.get('location')).toBe(`${host.baseUrl}/Binary/${binary.id}`);
    expect(answer.headers.get('etag')).toMatch(/^W\/"/);

    const stored = await call(host, 'GET', `fhir/R4/Binary/${binary.id}`);
    expect(stored.status).toBe(200);
    expect(decoded(stored.body as unknown as Binary)).toBe(source);
  });

  test('medplum.createAttachment works: the attachment names the stored Binary', async () => {
    const medplum = new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch });
    const attachment = await medplum.createAttachment({
      data: 'console.log(1);',
      filename: 'bot.js',
      contentType: 'application/javascript',
    });
    expect(attachment).toMatchObject({ contentType: 'application/javascript', title: 'bot.js' });
    const binary = await medplum.readReference<Binary>({ reference: attachment.url });
    expect(binary.contentType).toBe('application/javascript');
    expect(decoded(binary)).toBe('console.log(1);');
  });

  test('a FHIR JSON Binary is still created from its JSON', async () => {
    const data = Buffer.from('hello', 'utf8').toString('base64');
    const answer = await call(host, 'POST', 'fhir/R4/Binary', {
      resourceType: 'Binary',
      contentType: 'text/plain',
      data,
    });
    expect(answer.status, answer.text.slice(0, 300)).toBe(201);
    expect(answer.body).toMatchObject({ resourceType: 'Binary', contentType: 'text/plain', data });
  });
});
