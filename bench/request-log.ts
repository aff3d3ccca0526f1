// The embedded host's request log (src/host/request-log.ts), in process: what recording one exchange costs (redacted,
// bodies kept, its log line formatted), for the README's PUT (201) and bad.json's 422; and the heap the ring holds at
// its default size when every request and answer is large (bodies are cut at 16 KiB: the ring must stay bounded).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Exchange } from '../src/host/logged-request.ts';
import { DEFAULT_LOG_SIZE, RequestLog } from '../src/host/request-log.ts';
import { round, summarize, timeEach } from './stats.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

export interface RequestLogResult {
  request_log_record_p50_us: number;
  request_log_record_p99_us: number;
  request_log_record_422_p50_us: number;
  request_log_ring_mib: number;
}

/** A README exchange as http-server.ts reports it: the PUT as curl sends it, the answer as the host gives it. */
function exchange(requestBody: Buffer, status: number, responseBody: Buffer): Exchange {
  return {
    request: {
      method: 'PUT',
      url: '/fhir/R4/Appointment?Identifier=urn:oid:1.1.111.1.11.1.1.1|b6e39355-8a61-4556-b340-36f7b95fec6a',
      headers: {
        host: '127.0.0.1:8103',
        'user-agent': 'curl/7.88.1',
        accept: '*/*',
        authorization: 'Bearer a-client-access-token',
        'content-type': 'application/json+fhir',
        'content-length': String(requestBody.length),
      },
      body: requestBody,
    },
    response: {
      status,
      headers: {
        'content-type': 'application/fhir+json',
        etag: 'W/"b7ded460-8072-4a96-be59-b5637cef1f61"',
        location: 'http://127.0.0.1:8103/fhir/R4/Appointment/3eb8dca2-3e0e-4ef3-93f3-5062c76fa561',
      },
      body: responseBody,
    },
    author: { reference: 'ClientApplication/3eb8dca2-3e0e-4ef3-93f3-5062c76fa561' },
    startedAt: Date.now(),
    durationMs: 12.5,
  };
}

/** bad.json's 422 as the host answers it: five issues with their rule codings, messages and sources. */
function rejection(): Buffer {
  const issue = (severity: string, rule: string) => ({
    severity,
    code: 'value',
    details: {
      coding: [{ system: 'https://sas-guard.dev/fhir/CodeSystem/sas-rule', code: rule, display: 'x'.repeat(90) }],
      text: "Le statut de participant « refused » n'existe pas en FHIR R4 ; un RDV annulé garde son participant.",
    },
    expression: ['Appointment.participant[0].status'],
    diagnostics: `${rule} — Guides SAS 1.2.0 et 2026, FrAppointmentSAS (participant.status)`,
  });
  const issues = [issue('error', 'ST-2'), issue('error', 'TM-1'), issue('warning', 'PS-2'), issue('warning', 'CR-1')];
  return Buffer.from(JSON.stringify({ resourceType: 'OperationOutcome', id: 'business-rule', issue: issues }));
}

async function perRecordUs(log: RequestLog, recorded: Exchange, quick: boolean): Promise<number[]> {
  const batch = 20;
  const run = (): void => {
    for (let i = 0; i < batch; i++) log.record(recorded, 'client');
  };
  await timeEach(run, { minCount: 50, maxCount: 200, maxMs: 500 }); // warm-up
  const batches = await timeEach(run, {
    minCount: quick ? 100 : 500,
    maxCount: quick ? 300 : 2000,
    maxMs: quick ? 1000 : 3000,
  });
  return batches.map((ms) => (ms * 1000) / batch);
}

export async function benchRequestLog({ quick }: { quick: boolean }): Promise<RequestLogResult> {
  const booked = readFileSync(join(EXAMPLES, 'booked.json'));
  const secrets = ['the-configured-token', 'the-admin-client-secret'];
  const log = new RequestLog({ size: DEFAULT_LOG_SIZE, log: () => undefined, secrets });
  const created = summarize(await perRecordUs(log, exchange(booked, 201, booked), quick));
  const refused = summarize(await perRecordUs(log, exchange(booked, 422, rejection()), quick));

  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const large = Buffer.from(
    JSON.stringify({ resourceType: 'Bundle', entry: Array(700).fill(JSON.parse(booked.toString())) }),
  );
  gc();
  const before = process.memoryUsage().heapUsed;
  const ring = new RequestLog({ size: DEFAULT_LOG_SIZE, log: () => undefined, secrets });
  for (let i = 0; i < DEFAULT_LOG_SIZE; i++) ring.record(exchange(large, 200, large), 'client');
  gc();
  const ringMib = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  if (ring.entries().length !== DEFAULT_LOG_SIZE) {
    throw new Error('the ring did not keep its default size');
  }
  return {
    request_log_record_p50_us: round(created.p50, 1),
    request_log_record_p99_us: round(created.p99, 1),
    request_log_record_422_p50_us: round(refused.p50, 1),
    request_log_ring_mib: round(ringMib, 1),
  };
}
