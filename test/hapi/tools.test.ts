// Without Java or Maven, `npm run hapi` stops with one line saying what to install, and the install step (`prepare`)
// says it and lets the installation finish.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const BRIDGE = join(import.meta.dirname, '..', '..', 'src', 'bridge');
const WITHOUT_JAVA = { ...process.env, PATH: '/nonexistent', JAVA_HOME: '' };

test('npm run hapi without Java: exit 1, one line naming what to install', () => {
  const run = spawnSync(process.execPath, [join(BRIDGE, 'hapi-main.ts')], { env: WITHOUT_JAVA, encoding: 'utf8' });
  expect(run.status).toBe(1);
  expect(run.stderr.trim().split('\n')).toEqual([
    'sas-guard hapi: sas-guard on HAPI needs Java 17+ and Maven 3.8+: install them (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven) (no java found)',
  ]);
});

test('the install step without Java: one warning line, success', () => {
  const run = spawnSync(process.execPath, [join(BRIDGE, 'hapi-build.ts')], { env: WITHOUT_JAVA, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr.trim()).toMatch(
    /^sas-guard: sas-guard on HAPI needs Java 17\+ and Maven 3\.8\+: .*; the HAPI module is not built\.$/,
  );
});
