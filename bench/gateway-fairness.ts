// Fairness of the SAS gateway under the attack of issue 13 (medium 5), over loopback: one editor opens 70 connections
// that each fetch a large answer and never read it (before the fix they held all 64 upstream sockets and another
// editor's small GET waited 27 s); meanwhile an honest editor makes sequential small GETs. Default limits. Reported:
// the honest GETs' median and worst latency (target: worst ≤ 1 s) and how many hostile requests were refused; in a
// full run also the same honest GETs with the per-client limits lifted (the hostile answers cut after 5 s), for scale.
//
//   npx node bench/gateway-fairness.ts     (or as part of npm run bench)
import { bearerGateway, largeUpstream, tokenOf, unreadGet } from '../test/gateway/large-upstream.ts';
import { round, summarize } from './stats.ts';

const HOSTILE_CONNECTIONS = 70;
const HONEST_REQUESTS = 20;

interface Scenario {
  honest: number[];
  refused: number;
  heldUpstream: number;
}

async function scenario(limits: Record<string, unknown>, clientReadMs: number): Promise<Scenario> {
  const upstream = await largeUpstream({ largeBytes: 1024 * 1024 * 1024 });
  const { gateway, lines } = await bearerGateway(upstream.url, { limits, timeouts: { clientReadMs } });
  const hostile = await Promise.all(
    Array.from({ length: HOSTILE_CONNECTIONS }, (_, i) =>
      unreadGet(`${gateway.baseUrl}/Appointment?large=${i}`, tokenOf('ClientApplication/hostile')),
    ),
  );
  try {
    // Let the hostile answers fill the sockets' buffers.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const heldUpstream = upstream.inProgress;
    const honest: number[] = [];
    const token = tokenOf('ClientApplication/honest');
    for (let i = 0; i < HONEST_REQUESTS; i++) {
      const started = performance.now();
      const res = await fetch(`${gateway.baseUrl}/Appointment/small`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(60_000),
      });
      await res.arrayBuffer();
      if (res.status !== 200) {
        throw new Error(`honest GET: HTTP ${res.status}`);
      }
      honest.push(performance.now() - started);
    }
    return { honest, refused: lines.filter((line) => / 429 /.test(line)).length, heldUpstream };
  } finally {
    hostile.forEach((socket) => socket.destroy());
    await gateway.close();
    await upstream.close();
  }
}

export async function benchGatewayFairness({
  quick,
  log,
}: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<Record<string, number>> {
  const limited = await scenario({}, 20_000);
  const summary = summarize(limited.honest);
  const results: Record<string, number> = {
    gateway_fairness_honest_p50_ms: round(summary.p50, 2),
    gateway_fairness_honest_max_ms: round(Math.max(...limited.honest), 2),
    gateway_fairness_hostile_refused: limited.refused,
    gateway_fairness_hostile_upstream_sockets: limited.heldUpstream,
  };
  log(
    `gateway fairness: ${HOSTILE_CONNECTIONS} unread large answers → ${limited.refused} refused (429), ` +
      `${limited.heldUpstream} upstream sockets held; honest GET median ${summary.p50.toFixed(2)} ms, ` +
      `worst ${results.gateway_fairness_honest_max_ms} ms`,
  );
  if (!quick) {
    const unlimited = await scenario({ perClient: { connections: 1000, inFlight: 1000 } }, 5_000);
    results.gateway_unlimited_honest_max_ms = round(Math.max(...unlimited.honest), 2);
    log(
      `  without per-client limits (answers cut after 5 s): ${unlimited.heldUpstream} upstream sockets held, ` +
        `honest GET worst ${results.gateway_unlimited_honest_max_ms} ms`,
    );
  }
  return results;
}

if (import.meta.filename === process.argv[1]) {
  const results = await benchGatewayFairness({ quick: process.argv.includes('--quick'), log: console.log });
  console.log(JSON.stringify(results, null, 2));
}
