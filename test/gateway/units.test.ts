// The gateway's small pure pieces: Location by FHIR path, Accept-Encoding negotiation, bounded decoding, the
// identity fairness limits are counted against, and log masking.
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  EncodingError,
  accepts,
  contentCodings,
  decodeBody,
  negotiate,
  upstreamAcceptEncoding,
} from '../../src/gateway/encoding.ts';
import { clientKey } from '../../src/gateway/fairness.ts';
import { publicLocation } from '../../src/gateway/headers.ts';
import { loggableTarget, parseTarget } from '../../src/http/target.ts';

describe('publicLocation', () => {
  const context = {
    fhirBasePath: '/fhir/R4',
    upstreamRoot: 'http://medplum:8103/',
    publicRoot: 'https://sas.example.org/',
  };
  test.each([
    // Medplum's baseUrl differs from the URL the gateway calls it by (recordings: proxy :8290, Location :8203).
    ['http://127.0.0.1:8203/fhir/R4/Appointment/a1', 'https://sas.example.org/fhir/R4/Appointment/a1'],
    [
      'https://api.medplum.example/fhir/R4/Appointment/a1/_history/v2',
      'https://sas.example.org/fhir/R4/Appointment/a1/_history/v2',
    ],
    [
      'https://x.example/prefix/fhir/R4/Appointment?identifier=a',
      'https://sas.example.org/fhir/R4/Appointment?identifier=a',
    ],
    ['http://medplum:8103/binary/b1', 'https://sas.example.org/binary/b1'],
    ['/fhir/R4/Appointment/a1', 'https://sas.example.org/fhir/R4/Appointment/a1'],
    ['Appointment/a1', 'Appointment/a1'],
    ['https://elsewhere.example/thing', 'https://elsewhere.example/thing'],
    ['urn:uuid:1', 'urn:uuid:1'],
  ])('%s → %s', (value, expected) => {
    expect(publicLocation(value, context)).toBe(expected);
  });
});

describe('codings', () => {
  test('negotiation: highest weight, ties br > gzip > deflate, q=0 and * honoured', () => {
    expect(negotiate('gzip, deflate, br')).toBe('br');
    expect(negotiate('gzip, deflate')).toBe('gzip');
    expect(negotiate('deflate;q=1, gzip;q=0.5')).toBe('deflate');
    expect(negotiate('br;q=0, *')).toBe('gzip');
    expect(negotiate('identity')).toBeUndefined();
    expect(negotiate(undefined)).toBeUndefined();
    expect(accepts('x-gzip', 'gzip')).toBe(true);
    expect(accepts('gzip;q=0', 'gzip')).toBe(false);
    expect(upstreamAcceptEncoding('gzip, zstd, identity')).toBe('gzip');
    expect(upstreamAcceptEncoding('zstd')).toBeUndefined();
  });

  test('Content-Encoding: stacked codings undone in reverse; an unknown one refused; the decoded size bounded', async () => {
    expect(contentCodings('identity')).toEqual([]);
    expect(contentCodings(['gzip', 'br'])).toEqual(['gzip', 'br']);
    expect(() => contentCodings('zstd')).toThrow(EncodingError);
    const body = Buffer.from('x'.repeat(100_000));
    const twice = gzipSync(gzipSync(body));
    expect(await decodeBody(twice, ['gzip', 'gzip'], 200_000)).toEqual(body);
    // A 100 KB body in a few hundred bytes: refused past the limit, never expanded in full.
    expect(await decodeBody(gzipSync(body), ['gzip'], 10_000)).toBeUndefined();
    await expect(decodeBody(Buffer.from('not gzip'), ['gzip'], 1000)).rejects.toThrow(EncodingError);
  });
});

describe('clientKey: the identity limits are counted against', () => {
  const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;
  test('mapped client, certificate, token subject, Basic client, other credential, address; never the credential', () => {
    expect(clientKey({ clientId: 'c1', authorization: 'Bearer x' })).toBe('client:c1');
    expect(clientKey({ certificateFingerprint: 'AB' })).toBe('certificate:AB');
    // Two tokens of one Medplum client are one identity.
    const a = clientKey({ authorization: `Bearer ${jwt({ login_id: '1', profile: 'ClientApplication/k' })}` });
    const b = clientKey({ authorization: `Bearer ${jwt({ login_id: '2', profile: 'ClientApplication/k' })}` });
    expect(a).toBe('token-subject:ClientApplication/k');
    expect(b).toBe(a);
    expect(clientKey({ authorization: `Basic ${Buffer.from('cid:secret').toString('base64')}` })).toBe('basic:cid');
    const opaque = clientKey({ authorization: 'Bearer opaque-secret-token' });
    expect(opaque).toMatch(/^token:[0-9a-f]{16}$/);
    expect(opaque).not.toContain('opaque-secret-token');
    expect(clientKey({ remoteAddress: '10.1.2.3' })).toBe('address:10.1.2.3');
  });
});

describe('request targets', () => {
  test('origin and absolute forms; dot segments resolved; `//host` stays a path', () => {
    expect(parseTarget('/fhir/R4/Appointment?identifier=a')).toEqual({
      path: '/fhir/R4/Appointment',
      search: '?identifier=a',
    });
    expect(parseTarget('/fhir/R4/Appointment/../../../admin/x')).toEqual({ path: '/admin/x', search: '' });
    expect(parseTarget('/fhir/R4/%2e%2e/%2e%2e/admin')?.path).toBe('/admin');
    expect(parseTarget('//evil.example/fhir/R4/Appointment')?.path).toBe('//evil.example/fhir/R4/Appointment');
    expect(parseTarget('http://gateway/fhir/R4/Appointment')?.path).toBe('/fhir/R4/Appointment');
    expect(parseTarget('http://[')).toBeUndefined();
    expect(parseTarget('*')).toBeUndefined();
  });

  test('logged targets: credential-like query values and userinfo masked', () => {
    expect(loggableTarget('/x?access_token=a&identifier=b&client_secret=c&code=d')).toBe(
      '/x?access_token=<redacted>&identifier=b&client_secret=<redacted>&code=<redacted>',
    );
    expect(loggableTarget('http://user:pw@host/x')).toBe('http://<redacted>@host/x');
  });
});
