// sas-check through the real binary: each input form, each exit code, both output formats.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Appointment, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bookedAppointment,
  cancelledAppointment,
  RPPS_VALID_LUHN,
  sosPendingAppointment,
  specRefusedBody,
} from '../fixtures/appointments.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'sas-check.js');
const NOW = '2022-09-01T00:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'sas-check-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function run(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, '--now', NOW, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface JsonReport {
  summary: { appointments: number; rejected400: number; rejected422: number; skipped: number };
  results: { location: string; status: string; httpStatus?: number; version?: number; outcome?: OperationOutcome }[];
}

function json(args: string[], input?: string): { status: number | null; report: JsonReport } {
  const result = run(['--format', 'json', ...args], input);
  return { status: result.status, report: JSON.parse(result.stdout) as JsonReport };
}

/** Booked, with an RPPS whose Luhn key is right: no warning at all. */
function clean(): Appointment {
  const appointment = bookedAppointment();
  const actor = appointment.participant[0]?.actor?.identifier;
  if (actor) {
    actor.value = RPPS_VALID_LUHN;
  }
  return appointment;
}

describe('sas-check', () => {
  it('accepts a single conforming appointment: exit 0, text report in French', () => {
    const file = write('single.json', clean());
    const { status, stdout } = run([file]);
    expect(status).toBe(0);
    expect(stdout).toContain(`✔ ok  ${file}`);
    expect(stdout).toContain('1 RDV vérifié(s) : 1 accepté(s)');
  });

  it('reports warnings with rule id, expression and message, in English with --lang en; still exit 0', () => {
    const file = write('warn.json', bookedAppointment());
    const { status, stdout } = run(['--lang', 'en', file]);
    expect(status).toBe(0);
    expect(stdout).toContain(`⚠ warnings  ${file}`);
    expect(stdout).toMatch(/warning PS-2 Appointment\.participant\[0\]\.actor\.identifier\.value: .*Luhn/);
    expect(stdout).toContain('1 appointment(s) checked: 1 accepted, 1 of them with warnings');
  });

  it('reads Bundles entry by entry, skips other resources with a note, and exits 1 on a 422', () => {
    const file = write('bundle.json', {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: clean() }, { resource: { resourceType: 'Patient' } }, { resource: specRefusedBody() }],
    });
    const { status, report } = json([file]);
    expect(status).toBe(1);
    expect(report.results.map((r) => [r.location, r.status])).toEqual([
      [`${file}#entry[0]`, 'ok'],
      [`${file}#entry[1]`, 'skipped'],
      [`${file}#entry[2]`, '422'],
    ]);
    const outcome = report.results[2]?.outcome;
    expect(outcome?.id).toBe('business-rule');
    expect(outcome?.issue.some((i) => i.details?.coding?.[0]?.code === 'ST-2')).toBe(true);
    expect(report.summary).toMatchObject({ appointments: 2, rejected422: 1, skipped: 1 });
  });

  it('checks NDJSON versions of one appointment as successive updates (cancelled is final)', () => {
    const lines = [clean(), { ...clean(), status: 'cancelled' }, clean()].map((a) => JSON.stringify(a));
    const file = write('seq.ndjson', `${lines.join('\n')}\n\n`);
    const { status, report } = json([file]);
    expect(status).toBe(1);
    expect(report.results.map((r) => [r.location, r.status, r.httpStatus, r.version])).toEqual([
      [`${file}:1`, 'ok', 201, 1],
      [`${file}:2`, 'ok', 200, 2],
      [`${file}:3`, '422', 422, 3],
    ]);
    expect(report.results[2]?.outcome?.issue.map((i) => i.details?.coding?.[0]?.code)).toContain('ST-4');
  });

  it('compares an update with the last ACCEPTED version: a rejected write changes nothing', () => {
    const broken = { ...cancelledAppointment(), end: '2000-01-01T00:00:00Z' }; // TM-1: rejected
    const lines = [clean(), broken, clean()].map((a) => JSON.stringify(a));
    const { report } = json([write('rejected-middle.ndjson', lines.join('\n'))]);
    expect(report.results.map((r) => r.status)).toEqual(['ok', '422', 'ok']);
  });

  it('walks directories recursively and reads standard input with -', () => {
    write('tree/a/one.json', clean());
    write('tree/b/c/two.ndjson', JSON.stringify(sosPendingAppointment()));
    write('tree/ignored.txt', 'not an input');
    const { status, report } = json([join(dir, 'tree'), '-'], JSON.stringify(clean()));
    expect(status).toBe(0);
    expect(report.results.map((r) => r.location)).toEqual([
      join(dir, 'tree/a/one.json'),
      join(dir, 'tree/b/c/two.ndjson:1'),
      '-',
    ]);
  });

  it('answers 400 with the validation issues when the profile fails (end is 1..1)', () => {
    const { end: _end, ...noEnd } = clean();
    const { status, report } = json([write('no-end.json', noEnd)]);
    expect(status).toBe(1);
    const [result] = report.results;
    expect(result?.status).toBe('400');
    expect(result?.outcome?.id).toBeUndefined();
    // The base definition's invariant app-2 (start and end together) fails first: the server's outcome is its.
    expect(result?.outcome?.issue.map((i) => [i.code, i.details?.text?.includes('app-2')])).toEqual([
      ['invariant', true],
    ]);
  });

  it('answers 422 when both rules and profile fail: the rules (the bot) run before validation, as on the server', () => {
    const { end: _end, ...noEnd } = specRefusedBody();
    const { report } = json([write('both.json', noEnd)]);
    expect(report.results[0]?.status).toBe('422');
  });

  it('makes unreadable JSON a 400 finding for that file (exit 1), not a crash', () => {
    const file = write('broken.json', '{"resourceType": "Appointment",');
    const { status, stdout } = run([file]);
    expect(status).toBe(1);
    expect(stdout).toContain(`✘ 400  ${file}`);
    const lines = write('broken.ndjson', `${JSON.stringify(clean())}\n{oops\n`);
    const { report } = json([lines]);
    expect(report.results.map((r) => [r.location, r.status])).toEqual([
      [`${lines}:1`, 'ok'],
      [`${lines}:2`, '400'],
    ]);
  });

  it('applies a deployment configuration (--config, .env or JSON)', () => {
    const file = write('warn2.json', bookedAppointment());
    const env = write('guard.env', 'SAS_GUARD_SEVERITIES={"PS-2":"off"}\n');
    expect(json(['--config', env, file]).report.results[0]?.status).toBe('ok');
    const config = write('guard.json', { SAS_GUARD_SEVERITIES: { 'PS-2': 'error' } });
    expect(json(['--config', config, file]).report.results[0]?.status).toBe('422');
  });

  it('exits 2 on a missing path with one error line and no summary; checks the other inputs', () => {
    const missing = run([join(dir, 'nope.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`sas-check: cannot read ${join(dir, 'nope.json')}: no such file or directory\n`);
    expect(missing.stdout).toBe('');
    const good = write('beside-missing.json', clean());
    const both = run([good, join(dir, 'nope.json')]);
    expect(both.status).toBe(2);
    expect(both.stdout).toContain(`✔ ok  ${good}`);
    expect(both.stdout).toMatch(/^✘ 1 RDV vérifié\(s\) .* ; 1 entrée\(s\) non lue\(s\)$/m);
  });

  it('says that an empty directory holds nothing to check, and exits 2', () => {
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    write('empty/sub/notes.txt', 'no appointment here');
    const result = run([empty]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sas-check: nothing to check in ${empty}: no .json, .ndjson, .jsonl file found\n`);
    expect(result.stdout).toBe('');
  });

  it('refuses usage errors in one line pointing to --help; --help documents the exit statuses', () => {
    for (const args of [['--format', 'xml', 'x.json'], ['--bogus', 'x.json'], [], ['--versions', 'some', 'x.json']]) {
      const result = run(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr, args.join(' ')).toMatch(/^sas-check: [^\n]+ — see sas-check --help\n$/);
    }
    expect(run(['--bogus', 'x.json']).stderr).toBe('sas-check: unknown option --bogus — see sas-check --help\n');
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: sas-check');
    expect(help.stdout).toMatch(/Exit status: 0 .*; 1 .*; 2 /s);
  });

  it('-q prints only what would be rejected: no accepted appointment, no warning, no summary', () => {
    write('quiet/ok.json', clean());
    write('quiet/warn.json', bookedAppointment());
    const refused = write('quiet/refused.json', specRefusedBody());
    const result = run(['-q', join(dir, 'quiet')]);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe(
      `✘ 422  ${refused}  (urn:oid:1.1.111.1.11.1.1.1|b6e39355-8a61-4556-b340-36f7b95fec6a, création)`,
    );
    expect(result.stdout).not.toMatch(/ok\.json|warn\.json|RDV vérifié/);
    const silent = run(['-q', join(dir, 'quiet', 'ok.json'), join(dir, 'quiet', 'warn.json')]);
    expect([silent.status, silent.stdout]).toEqual([0, '']);
  });

  it('judges files apart by default (--versions file), as one history with --versions all, never with none', () => {
    // The ANS examples share one identifier: a cancelled one, then a booked one, in two files.
    write('ans/1-cancelled.json', { ...clean(), status: 'cancelled' });
    write('ans/2-booked.json', clean());
    const apart = json([join(dir, 'ans')]);
    expect(apart.status).toBe(0);
    expect(apart.report.results.map((r) => [r.status, r.version])).toEqual([
      ['ok', 1],
      ['ok', 1],
    ]);
    const history = json(['--versions', 'all', join(dir, 'ans')]);
    expect(history.status).toBe(1);
    expect(history.report.results.map((r) => [r.status, r.version])).toEqual([
      ['ok', 1],
      ['422', 2],
    ]);
    // Within one file, versions stay versions by default; --versions none checks each line alone.
    const lines = [{ ...clean(), status: 'cancelled' }, clean()].map((a) => JSON.stringify(a)).join('\n');
    const file = write('ans-lines.ndjson', lines);
    expect(json([file]).report.results.map((r) => r.status)).toEqual(['ok', '422']);
    expect(json(['--versions', 'none', file]).report.results.map((r) => [r.status, r.version])).toEqual([
      ['ok', 1],
      ['ok', 1],
    ]);
  });

  it('gives the same results, in the same order, with worker threads (--jobs) as in one thread', () => {
    const lines: string[] = [];
    for (let i = 0; i < 120; i++) {
      const appointment = {
        ...clean(),
        identifier: [{ system: 'urn:oid:1.1.111.1.11.1.1.1', value: `rdv-${i % 40}` }],
      };
      const status = i % 7 === 0 ? 'cancelled' : i % 11 === 0 ? 'fulfilled' : 'booked';
      lines.push(JSON.stringify(i % 13 === 0 ? { ...appointment, end: undefined } : { ...appointment, status }));
    }
    lines.push('{oops', JSON.stringify({ resourceType: 'Patient' }));
    const file = write('many.ndjson', lines.join('\n'));
    const single = run(['--format', 'json', '--jobs', '0', file]);
    const parallel = run(['--format', 'json', '--jobs', '3', file]);
    expect(parallel.status).toBe(single.status);
    expect(parallel.stdout).toBe(single.stdout);
    const statuses = new Set((JSON.parse(single.stdout) as JsonReport).results.map((r) => r.status));
    expect([...statuses].sort()).toEqual(['400', '422', 'ok', 'skipped']);
  });
});
