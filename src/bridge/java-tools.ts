// Java and Maven for the HAPI side (hapi/): found on PATH (or JAVA_HOME), checked once, and when missing one line
// saying what to install instead of a stack trace.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const INSTALL_HINT =
  'sas-guard on HAPI needs Java 17+ and Maven 3.8+: install them (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven)';

export class ToolMissingError extends Error {}

/** The `java` to run: JAVA_HOME's when set, else the one on PATH; throws ToolMissingError unless it is Java 17+. */
export function javaCommand(): string {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const version = /version "(\d+)/.exec(`${probe.stderr ?? ''}${probe.stdout ?? ''}`)?.[1];
  if (probe.error || version === undefined) {
    throw new ToolMissingError(`${INSTALL_HINT} (no java found)`);
  }
  if (Number(version) < 17) {
    throw new ToolMissingError(`${INSTALL_HINT} (found Java ${version})`);
  }
  return java;
}

export function mavenCommand(): string {
  const probe = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new ToolMissingError(`${INSTALL_HINT} (no mvn found)`);
  }
  return 'mvn';
}
