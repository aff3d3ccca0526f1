// Soak (`npm run soak`): a longer run of the reliability checks against the embedded host with sas-guard installed,
// on loopback, seeded, bounded in time and count. Rounds alternate the hostile-request fuzz (test/reliability) and
// parallel writers on one identifier; prints requests, statuses, max RSS and duration, exits 1 on any problem.
//
//   npm run soak -- [--seconds 120] [--max-requests 20000] [--seed 1]    (--help: the options and exit statuses)
import type { Appointment, Bundle } from '@medplum/fhirtypes';
import { UsageError, scriptArguments } from '../src/cli/args.ts';
import { appointmentWithIdentifier } from '../test/fixtures/appointments.ts';
import { createSentinel, runFuzz } from '../test/reliability/fuzz-runner.ts';
import {
  answerProblem,
  conditionalPath,
  content,
  seededRandom,
  send,
  startInstalledHost,
} from '../test/reliability/helpers.ts';

const USAGE = `Usage: npm run soak [-- --seconds 120 --max-requests 20000 --seed 1]

Runs rounds of hostile requests and parallel writers against the embedded host with sas-guard installed, on
loopback, until the time or request budget is spent; prints requests, statuses, max RSS and duration as JSON.
  --seconds <n>        time budget (default 120, at least 5)
  --max-requests <n>   request budget (default 20000, at least 100)
  --seed <n>           seed of the random requests (default 1)

Exit status: 0 no problem found; 1 a problem (a 5xx, a hang, a lost or doubled write: listed); 2 usage error.`;

const NUMBER = /^\d{1,9}$/;
const { values } = scriptArguments(
  { name: 'soak', help: 'npm run soak -- --help', usage: USAGE },
  {
    options: {
      seconds: { type: 'string', default: '120' },
      'max-requests': { type: 'string', default: '20000' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  },
  ({ values: given }) => {
    for (const option of ['seconds', 'max-requests', 'seed'] as const) {
      if (!NUMBER.test(given[option])) {
        throw new UsageError(`--${option} ${given[option]}: expected a whole number`);
      }
    }
  },
);
const budgetMs = Math.max(5, Number(values.seconds)) * 1000;
const maxRequests = Math.max(100, Number(values['max-requests']));
const seed = Number(values.seed);

const started = Date.now();
const statuses: Record<string, number> = {};
const problems: string[] = [];
let requests = 0;
let maxRss = process.memoryUsage().rss;
const count = (status: string, n = 1): void => {
  statuses[status] = (statuses[status] ?? 0) + n;
};
const sampleRss = setInterval(() => {
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
}, 250);

const host = await startInstalledHost();
const random = seededRandom(seed);
const sentinel = await createSentinel(host, 'soak-sentinel');

let round = 0;
while (Date.now() - started < budgetMs && requests < maxRequests) {
  round++;
  const left = budgetMs - (Date.now() - started);
  // 1. Hostile requests, 4 in flight.
  const fuzz = await runFuzz(host, sentinel, {
    seed: seed * 1000 + round,
    count: Math.min(500, maxRequests - requests),
    timeBudgetMs: Math.min(left, 30_000),
    concurrency: 4,
  });
  requests += fuzz.requests;
  for (const [status, n] of Object.entries(fuzz.statuses)) {
    count(status, n);
  }
  problems.push(...fuzz.problems);
  maxRss = Math.max(maxRss, fuzz.maxRssBytes);

  // 2. Parallel writers: 40 conditional PUTs of mixed contents and 10 POSTs on one new identifier.
  const value = `soak-parallel-${round}`;
  const bodies: Appointment[] = Array.from({ length: 40 }, (_, n) => {
    const base = appointmentWithIdentifier(value);
    const pickStatus = Math.floor(random() * 4);
    return pickStatus === 0 ? { ...base, status: 'noshow' } : { ...base, comment: `writer ${n}` };
  });
  const answers = await Promise.all([
    ...bodies.map((body) => send(host, 'PUT', conditionalPath(value), { body })),
    ...Array.from({ length: 10 }, () =>
      send(host, 'POST', 'fhir/R4/Appointment', { body: appointmentWithIdentifier(value) }),
    ),
  ]);
  requests += answers.length;
  for (const answer of answers) {
    count(String(answer.status));
    const problem = answerProblem(answer);
    if (problem) {
      problems.push(`parallel round ${round}: ${problem}`);
    }
  }
  const found = await send(host, 'GET', `fhir/R4/Appointment?identifier=${encodeURIComponent(value)}`);
  requests++;
  const stored = ((found.json as Bundle<Appointment>).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  if (stored.length !== 1) {
    problems.push(`parallel round ${round}: ${stored.length} appointments stored for one identifier`);
  } else if (!bodies.map(content).includes(content(stored[0]))) {
    problems.push(`parallel round ${round}: the final version is none of the bodies sent`);
  }
  process.stderr.write(`round ${round}: ${requests} requests, ${Math.round((Date.now() - started) / 1000)} s\n`);
}

// Still serving.
const health = await send(host, 'GET', 'healthcheck');
const after = await send(host, 'PUT', conditionalPath('soak-after'), { body: appointmentWithIdentifier('soak-after') });
if (health.status !== 200 || after.status !== 201) {
  problems.push(`host not serving after the soak: healthcheck ${health.status}, write ${after.status}`);
}
clearInterval(sampleRss);
await host.close();

const summary = {
  seed,
  rounds: round,
  requests,
  statuses: Object.fromEntries(Object.entries(statuses).sort(([a], [b]) => a.localeCompare(b))),
  fiveXx: Object.entries(statuses)
    .filter(([status]) => status.startsWith('5') || status === 'error')
    .reduce((sum, [, n]) => sum + n, 0),
  maxRssMiB: Math.round(maxRss / 1024 / 1024),
  durationS: Math.round((Date.now() - started) / 100) / 10,
  problems: problems.length,
};
console.log(JSON.stringify(summary, null, 2));
for (const problem of problems.slice(0, 20)) {
  console.log(`problem: ${problem}`);
}
process.exit(problems.length === 0 ? 0 : 1);
