// In-process benchmarks: the rules engine, profile validation (parsed per call vs reused), and one execution of the
// built bot bundle the way Medplum's vmcontext runner executes it, against a trivial bot.
import { MedplumClient } from '@medplum/core';
import type { WithId } from '@medplum/core';
import type { Appointment, Bot } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { bundleBot } from '../src/build/bot-bundle.ts';
import { runInVmContext } from '../src/host/bots.ts';
import { start } from '../src/host/server.ts';
import { SAS_PROFILE_URL, createProfileValidator, getProfile, indexBaseDefinitions } from '../src/profiles/index.ts';
import { evaluateAppointment } from '../src/rules/engine.ts';
import type { RuleContext } from '../src/rules/types.ts';
import { APPOINTMENT_SYSTEM, appointmentWithIdentifier, bookedAppointment } from '../test/fixtures/appointments.ts';
import { round, summarize, timeEach } from './stats.ts';

export interface MicroOptions {
  quick: boolean;
}

export interface RulesResult {
  rules_p50_us: number;
  rules_p99_us: number;
}

/** Median µs of evaluateAppointment on one valid appointment, warm; timed in batches (timer resolution). */
export async function benchRules({ quick }: MicroOptions): Promise<RulesResult> {
  const appointment = bookedAppointment();
  const context: RuleContext = {
    now: new Date('2022-09-01T00:00:00Z'),
    language: 'fr',
    severities: {},
    trustedAuthors: [],
    author: 'ClientApplication/bench',
    identifierHolders: [],
  };
  const issues = evaluateAppointment(appointment, context);
  if (issues.some((issue) => issue.severity === 'error')) {
    throw new Error(`the benchmark appointment is not valid: ${issues.map((i) => i.details?.text ?? '').join('; ')}`);
  }
  const batch = 50;
  const run = (): void => {
    for (let i = 0; i < batch; i++) {
      evaluateAppointment(appointment, context);
    }
  };
  await timeEach(run, { minCount: 100, maxCount: 400, maxMs: 1000 }); // warm-up
  const batches = await timeEach(run, {
    minCount: quick ? 200 : 1000,
    maxCount: quick ? 400 : 4000,
    maxMs: quick ? 1500 : 5000,
  });
  const perCallUs = batches.map((ms) => (ms * 1000) / batch);
  const summary = summarize(perCallUs);
  return { rules_p50_us: round(summary.p50, 2), rules_p99_us: round(summary.p99, 2) };
}

export interface ValidationResult {
  validation_cached_speedup: number;
  validation_every_call_p50_us: number;
  validation_every_call_p99_us: number;
  validation_cached_p50_us: number;
  validation_cached_p99_us: number;
}

/** validateResource(resource, { profile: sd }) (parses the SD each time, as Medplum does) vs the parsed profile reused. */
export async function benchValidation({ quick }: MicroOptions): Promise<ValidationResult> {
  indexBaseDefinitions();
  const sd = getProfile(SAS_PROFILE_URL);
  const everyCall = createProfileValidator(sd, { parse: 'every-call' });
  const cached = createProfileValidator(sd);
  const appointment = bookedAppointment();
  for (const validate of [everyCall, cached]) {
    const errors = validate(appointment).filter((issue) => issue.severity === 'error');
    if (errors.length) {
      throw new Error(
        `the benchmark appointment does not conform: ${errors.map((i) => i.details?.text ?? '').join('; ')}`,
      );
    }
  }
  const limits = { minCount: quick ? 200 : 1000, maxCount: quick ? 1000 : 5000, maxMs: quick ? 1500 : 4000 };
  // Interleaved rounds, so that machine noise hits both sides alike.
  const slow: number[] = [];
  const fast: number[] = [];
  for (let round = 0; round < 4; round++) {
    slow.push(...(await timeEach(() => everyCall(appointment), { ...limits, maxMs: limits.maxMs / 4 })));
    fast.push(...(await timeEach(() => cached(appointment), { ...limits, maxMs: limits.maxMs / 4 })));
  }
  const s = summarize(slow.slice(50));
  const f = summarize(fast.slice(50));
  return {
    validation_cached_speedup: round(s.p50 / f.p50, 2),
    validation_every_call_p50_us: round(s.p50 * 1000, 1),
    validation_every_call_p99_us: round(s.p99 * 1000, 1),
    validation_cached_p50_us: round(f.p50 * 1000, 1),
    validation_cached_p99_us: round(f.p99 * 1000, 1),
  };
}

export interface BotVmResult {
  bot_vm_overhead_ratio: number;
  bot_vm_p50_ms: number;
  bot_vm_p99_ms: number;
  bot_vm_trivial_p50_ms: number;
  bot_vm_trivial_p99_ms: number;
  /** A creation the rules reject: the 422 also names the profile's errors (one StructureDefinition search). */
  bot_vm_rejected_p50_ms: number;
  bot_bundle_bytes: number;
  /** The bot's two reads on a creation (read by id → 404, identifier search), made by a MedplumClient outside the vm. */
  bot_vm_reads_p50_ms: number;
  /** The bundle on a creation with its two reads answered in memory by the sandbox's fetch (no HTTP). */
  bot_vm_no_io_p50_ms: number;
  bot_vm_no_io_p99_ms: number;
  /** bot_vm_no_io_p50_ms ÷ trivial bot: what the vmcontext costs besides the HTTP reads, measured. */
  bot_vm_overhead_ratio_no_io: number;
}

/** Answers the bot's two reads on a creation at once: the read by id 404, the identifier search an empty Bundle. */
const inMemoryFetch: typeof globalThis.fetch = (input) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const headers = { 'content-type': 'application/fhir+json' };
  if (url.includes('?')) {
    return Promise.resolve(new Response(JSON.stringify({ resourceType: 'Bundle', type: 'searchset' }), { headers }));
  }
  const notFound = {
    resourceType: 'OperationOutcome',
    id: 'not-found',
    issue: [{ severity: 'error', code: 'not-found' }],
  };
  return Promise.resolve(new Response(JSON.stringify(notFound), { status: 404, headers }));
};

const TRIVIAL_BOT = 'exports.handler = async () => true;\nObject.assign(exports, module.exports);';

/**
 * One execution through runInVmContext (a new context, the script compiled once per code; the bot's reads go over HTTP to a bare
 * embedded host, as they would to Medplum), for the built bundle on a creation, and for a trivial bot.
 */
export async function benchBotVm({ quick }: MicroOptions): Promise<BotVmResult> {
  const code = await bundleBot();
  const host = await start({ bare: true, port: 0, log: () => undefined });
  try {
    const bot: WithId<Bot> = { resourceType: 'Bot', id: randomUUID(), name: 'bench', runtimeVersion: 'vmcontext' };
    const execute = async (botCode: string, fetch?: typeof globalThis.fetch, rejected = false): Promise<void> => {
      const base = appointmentWithIdentifier(randomUUID());
      const start = Date.now() + 86_400_000;
      const input: WithId<Appointment> = {
        ...base,
        start: new Date(start).toISOString(),
        // An end before the start breaks a rule: the rejected path, which also checks the profile for the 422.
        end: new Date(rejected ? start - 60_000 : start + 900_000).toISOString(),
        id: randomUUID(),
        meta: { ...base.meta, author: { reference: 'ClientApplication/bench' } },
      };
      const result = await runInVmContext({
        bot,
        code: botCode,
        input,
        headers: {},
        secrets: {},
        baseUrl: host.url,
        accessToken: 'bench',
        traceId: randomUUID(),
        fetch,
      });
      if (result.success === rejected) {
        throw new Error(`bot ${rejected ? 'accepted' : 'failed'}: ${result.logResult.slice(0, 500)}`);
      }
    };
    const limits = { minCount: quick ? 60 : 300, maxCount: quick ? 200 : 1000, maxMs: quick ? 1500 : 5000 };
    for (let i = 0; i < 20; i++) {
      await execute(code);
      await execute(TRIVIAL_BOT);
    }
    const medplum = new MedplumClient({ baseUrl: host.url, fetch: globalThis.fetch });
    medplum.setAccessToken('bench');
    const reads = async (): Promise<void> => {
      try {
        await medplum.readResource('Appointment', randomUUID(), {
          cache: 'no-cache',
          headers: { 'X-Medplum': 'extended' },
        });
        throw new Error('unexpected appointment');
      } catch (error) {
        if (error instanceof Error && error.message === 'unexpected appointment') throw error;
      }
      await medplum.search(
        'Appointment',
        { identifier: `${APPOINTMENT_SYSTEM}|${randomUUID()}`, _count: '2', _elements: 'id' },
        { cache: 'no-cache' },
      );
    };
    const full: number[] = [];
    const noIo: number[] = [];
    const trivial: number[] = [];
    const rejections: number[] = [];
    const readTimes: number[] = [];
    const round4 = { ...limits, maxMs: limits.maxMs / 4 };
    for (let round = 0; round < 4; round++) {
      full.push(...(await timeEach(() => execute(code), round4)));
      noIo.push(...(await timeEach(() => execute(code, inMemoryFetch), round4)));
      trivial.push(...(await timeEach(() => execute(TRIVIAL_BOT), round4)));
      rejections.push(...(await timeEach(() => execute(code, undefined, true), round4)));
      readTimes.push(...(await timeEach(reads, round4)));
    }
    const f = summarize(full);
    const n = summarize(noIo);
    const t = summarize(trivial);
    const r = summarize(readTimes);
    const rejected = summarize(rejections);
    return {
      bot_vm_overhead_ratio: round(f.p50 / t.p50, 2),
      bot_vm_p50_ms: round(f.p50),
      bot_vm_p99_ms: round(f.p99),
      bot_vm_trivial_p50_ms: round(t.p50),
      bot_vm_rejected_p50_ms: round(rejected.p50),
      bot_vm_trivial_p99_ms: round(t.p99),
      bot_bundle_bytes: Buffer.byteLength(code, 'utf8'),
      bot_vm_reads_p50_ms: round(r.p50),
      bot_vm_no_io_p50_ms: round(n.p50),
      bot_vm_no_io_p99_ms: round(n.p99),
      bot_vm_overhead_ratio_no_io: round(n.p50 / t.p50, 2),
    };
  } finally {
    await host.close();
  }
}

if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  console.log(await benchRules({ quick }));
  console.log(await benchValidation({ quick }));
  console.log(await benchBotVm({ quick }));
}
