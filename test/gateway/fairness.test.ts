// Fairness between clients (issue 13, medium 5), over loopback: one editor holding many connections that fetch
// large answers and never read them cannot take the upstream sockets other editors need. Its excess is answered at
// once (429 + Retry-After + OperationOutcome), its answers are cut when not read in time (the upstream socket freed),
// it cannot make the gateway hold more than its share of answer bytes (503), and the gateway as a whole refuses what
// it cannot queue (503). Latency figures are in `npm run bench` (bench/gateway-fairness.ts), not here.
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULTS, parseConfig } from '../../src/gateway/config.ts';
import type { RunningGateway } from '../../src/gateway/server.ts';
import type { LargeUpstream } from './large-upstream.ts';
import { bearerGateway, largeUpstream, tokenOf, unreadGet } from './large-upstream.ts';

const closers: (() => Promise<void>)[] = [];
const hostileSockets: Socket[] = [];
const HOSTILE = 'ClientApplication/hostile-editor';
const HONEST = 'ClientApplication/honest-editor';

afterEach(async () => {
  hostileSockets.splice(0).forEach((socket) => socket.destroy());
  for (const close of closers.splice(0).reverse()) {
    await close();
  }
});

async function setUp(
  upstreamOptions: { largeBytes: number; errorBytes?: number },
  config: { limits?: Record<string, unknown>; timeouts?: Record<string, unknown> },
): Promise<{ upstream: LargeUpstream; gateway: RunningGateway; lines: string[] }> {
  const upstream = await largeUpstream(upstreamOptions);
  closers.push(() => upstream.close());
  const { gateway, lines } = await bearerGateway(upstream.url, config);
  closers.push(() => gateway.close());
  return { upstream, gateway, lines };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) {
      throw new Error(`still waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function get(gateway: RunningGateway, path: string, profile: string): Promise<Response> {
  return fetch(`${gateway.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${tokenOf(profile)}` },
    // Not a latency assertion: a starved request fails the test instead of hanging it.
    signal: AbortSignal.timeout(15_000),
  });
}

describe('one editor with many unread large answers', () => {
  test('holds at most its in-flight share of upstream sockets; the rest is 429; another editor is served meanwhile', async () => {
    const perClient = { connections: 32, inFlight: 4, bufferedBytes: 1024 * 1024 };
    const { upstream, gateway, lines } = await setUp(
      { largeBytes: 256 * 1024 * 1024 },
      // 16 upstream sockets; the hostile editor opens 20 connections, each with a distinct token of the same client.
      { limits: { upstreamSockets: 16, perClient }, timeouts: { clientReadMs: 60_000 } },
    );
    for (let i = 0; i < 20; i++) {
      hostileSockets.push(await unreadGet(`${gateway.baseUrl}/Appointment?large=${i}`, tokenOf(HOSTILE)));
    }
    await until(() => lines.filter((line) => / 429 /.test(line)).length === 16, 'the 16 refusals');
    expect(upstream.inProgress).toBe(4);

    const honest = await get(gateway, '/Appointment/small', HONEST);
    expect(honest.status).toBe(200);
    expect(((await honest.json()) as { id: string }).id).toBe('small');
    // Served while the hostile editor still holds its four large answers: nothing had to be freed for it.
    expect(upstream.inProgress).toBe(4);
    expect(upstream.peak).toBe(4);

    const refused = await get(gateway, '/Appointment?large=again', HOSTILE);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    const outcome = (await refused.json()) as OperationOutcome;
    expect(outcome.issue[0]?.code).toBe('throttled');
    expect(outcome.issue[0]?.details?.text).toMatch(/Too many requests in progress for this client \(limit 4\)/);
  });

  test('an answer not read within clientReadMs is cut: the upstream socket is freed, the client may ask again', async () => {
    const { upstream, gateway, lines } = await setUp(
      { largeBytes: 256 * 1024 * 1024 },
      { limits: { perClient: { inFlight: 1 } }, timeouts: { clientReadMs: 300 } },
    );
    hostileSockets.push(await unreadGet(`${gateway.baseUrl}/Appointment?large=1`, tokenOf(HOSTILE)));
    await until(() => upstream.inProgress === 1, 'the large answer to start');
    await until(() => upstream.cut === 1 && upstream.inProgress === 0, 'the cut');
    expect(lines.some((line) => line.includes('answer not read within 300 ms: cut'))).toBe(true);
    const again = await get(gateway, '/Appointment/small', HOSTILE);
    expect(again.status).toBe(200);
  });

  test('answer bytes held for one client are bounded (503 + Retry-After); another client is not affected', async () => {
    // 8 MB error bodies (the gateway reads errors whole to check them): more than the sockets buffer, so an unread one
    // stays in the gateway; the budget of 12 MB holds one, not two.
    const { upstream, gateway } = await setUp(
      { largeBytes: 1024, errorBytes: 8 * 1024 * 1024 },
      { limits: { perClient: { bufferedBytes: 12 * 1024 * 1024 } }, timeouts: { clientReadMs: 60_000 } },
    );
    hostileSockets.push(await unreadGet(`${gateway.baseUrl}/Appointment?error=1`, tokenOf(HOSTILE)));
    await until(() => upstream.errorsServed === 1, 'the first error answer');
    // The gateway reads it whole (8 MB over loopback) before the next request is sent.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await get(gateway, '/Appointment?error=2', HOSTILE);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('2');
    expect(((await second.json()) as OperationOutcome).issue[0]?.details?.text).toMatch(/too many answer bytes/);
    const other = await get(gateway, '/Appointment?error=3', HONEST);
    expect(other.status).toBe(422);
    expect(((await other.json()) as OperationOutcome).issue[0]?.diagnostics).toHaveLength(8 * 1024 * 1024);
  });

  test('connections per client are bounded: the one past the limit is 429 and closed', async () => {
    const { gateway } = await setUp({ largeBytes: 1024 }, { limits: { perClient: { connections: 3 } } });
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = await unreadGet(`${gateway.baseUrl}/Appointment/small`, tokenOf(HOSTILE));
      hostileSockets.push(socket);
      socket.resume();
      const [chunk] =
        (await new Promise<Buffer[]>((resolve) => socket.once('data', (data: Buffer) => resolve([data])))) ?? [];
      statuses.push(chunk?.toString('utf8').split('\r\n')[0] ?? '');
    }
    expect(statuses).toEqual([
      'HTTP/1.1 200 OK',
      'HTTP/1.1 200 OK',
      'HTTP/1.1 200 OK',
      'HTTP/1.1 429 Too Many Requests',
    ]);
    const honest = await get(gateway, '/Appointment/small', HONEST);
    expect(honest.status).toBe(200);
  });

  test('the gateway as a whole: beyond its sockets and queue, 503 at once instead of a queue', async () => {
    const { upstream, gateway } = await setUp(
      { largeBytes: 256 * 1024 * 1024 },
      { limits: { upstreamSockets: 2, queuedRequests: 1 }, timeouts: { clientReadMs: 60_000 } },
    );
    for (let i = 0; i < 3; i++) {
      hostileSockets.push(await unreadGet(`${gateway.baseUrl}/Appointment?large=${i}`, tokenOf(`${HOSTILE}-${i}`)));
    }
    await until(() => upstream.inProgress === 2 && gateway.inFlight === 3, 'two large answers and one queued');
    const full = await get(gateway, '/Appointment/small', HONEST);
    expect(full.status).toBe(503);
    expect(((await full.json()) as OperationOutcome).issue[0]?.code).toBe('throttled');
  });

  test('defaults suit an SAS receiver: a quarter of the upstream sockets per client, answers read within 20 s', () => {
    const config = parseConfig({ plainHttp: true, upstream: { url: 'http://127.0.0.1:1/' }, auth: { mode: 'bearer' } });
    expect(config.limits.perClient).toEqual(DEFAULTS.limits.perClient);
    expect(config.limits.perClient.inFlight * 4).toBe(config.limits.upstreamSockets);
    expect(config.timeouts.clientReadMs).toBe(20_000);
  });
});
