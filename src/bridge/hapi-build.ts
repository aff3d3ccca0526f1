// Builds hapi/ (the interceptor jar and the HAPI server jar) with Maven when a source is newer than the jars.
// `npm install`/`npm ci` run it online (`prepare`: Maven fetches its dependencies then); `npm run hapi` and the tests
// run it offline, so nothing is downloaded when the product runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ToolMissingError, javaCommand, mavenCommand } from './java-tools.ts';

export const HAPI_DIR = join(import.meta.dirname, '..', '..', 'hapi');
export const SERVER_JAR = join(HAPI_DIR, 'server', 'target', 'sas-guard-hapi-server.jar');
export const PLUGIN_JAR = join(HAPI_DIR, 'plugin', 'target', 'sas-guard-hapi-0.1.0.jar');
const SOURCES = [
  HAPI_DIR + '/pom.xml',
  HAPI_DIR + '/plugin/pom.xml',
  HAPI_DIR + '/server/pom.xml',
  HAPI_DIR + '/plugin/src',
  HAPI_DIR + '/server/src',
  join(HAPI_DIR, '..', 'profiles', 'generated'),
];

function newest(path: string): number {
  if (!existsSync(path)) {
    return 0;
  }
  const stat = statSync(path);
  if (!stat.isDirectory()) {
    return stat.mtimeMs;
  }
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function hapiBuildIsStale(): boolean {
  const built = Math.min(newest(SERVER_JAR), newest(PLUGIN_JAR));
  return built === 0 || Math.max(...SOURCES.map(newest)) > built;
}

export class BuildError extends Error {}

/** Runs `mvn package` in hapi/ when needed (quietly: only a failure's output is shown). */
export function ensureHapiBuilt(options: { offline: boolean }): void {
  if (!hapiBuildIsStale()) {
    return; // startHapi checks java itself: the tools are probed only for a build
  }
  javaCommand();
  const mvn = mavenCommand();
  // The JUnit tests run only against a server (test/hapi): here Surefire merely resolves its JUnit provider.
  const args = ['-B', '-q', ...(options.offline ? ['-o'] : []), 'package'];
  const result = spawnSync(mvn, args, { cwd: HAPI_DIR, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    const hint = options.offline ? ' (offline: run npm install once to fetch the Maven dependencies)' : '';
    throw new BuildError(`mvn ${args.join(' ')} failed in hapi/${hint}\n${output}`);
  }
}

// `node src/bridge/hapi-build.ts` (npm's `prepare`): builds online; without Java or Maven it says what to install and
// lets the installation finish (only the HAPI part of the project needs them).
if (import.meta.filename === process.argv[1]) {
  try {
    // Probed even when the jars are fresh: the installation is where a user learns what the HAPI part needs.
    javaCommand();
    mavenCommand();
    ensureHapiBuilt({ offline: false });
  } catch (err) {
    if (err instanceof ToolMissingError) {
      console.warn(`sas-guard: ${err.message}; the HAPI module is not built.`);
    } else {
      console.error(`sas-guard: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  }
}
