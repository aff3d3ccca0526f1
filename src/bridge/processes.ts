// The two processes of sas-guard on HAPI, started and stopped together by `npm run hapi`, the tests and the bench:
// the bridge (`sas-guard bridge`, Node) and the HAPI JPA server jar (hapi/server, Java).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { javaCommand } from './java-tools.ts';
import { SERVER_JAR } from './hapi-build.ts';

const CLI = join(import.meta.dirname, '..', 'cli', 'sas-guard.ts');

export interface RunningProcess {
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface RunningBridgeProcess extends RunningProcess {
  url: string;
}

export interface HapiProcessOptions {
  bridgeUrl: string;
  host?: string;
  /** Default 8103 (as `npm start`); 0 picks a free port. */
  port?: number;
  /** A Spring configuration file added to the server's own (e.g. hapi/sas-guard.yaml); none: HAPI without sas-guard. */
  configFile?: string;
  /** More environment (SAS_GUARD_TRUSTED_AUTHORS, …). */
  env?: NodeJS.ProcessEnv;
  /** Where the server's output goes (default: this process's stdout/stderr). */
  logFile?: string;
  /** Default: a small heap and C1 compilation only, which halves HAPI's start; the bench asks for the full JIT. */
  javaOptions?: string[];
}

export interface RunningHapi extends RunningProcess {
  baseUrl: string;
}

export class StartError extends Error {}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** `sas-guard bridge --port 0` in a child process; resolves once it listens, with its URL. */
export function startBridgeProcess(env: NodeJS.ProcessEnv = process.env): Promise<RunningBridgeProcess> {
  const child = spawn(process.execPath, [CLI, 'bridge', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const url = /sas-guard bridge: (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ process: child, url, stop: stopper(child) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => reject(new StartError(output.trim().split('\n')[0] || `the bridge exited (${code})`)));
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The HAPI server jar; resolves once `<base>/metadata` answers. */
export async function startHapi(options: HapiProcessOptions): Promise<RunningHapi> {
  const java = javaCommand();
  const host = options.host ?? '127.0.0.1';
  const port = options.port === 0 ? await freePort(host) : (options.port ?? 8103);
  const args = [
    ...(options.javaOptions ?? ['-Xmx1g', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']),
    '-jar',
    SERVER_JAR,
    ...(options.configFile ? [`--spring.config.additional-location=file:${options.configFile}`] : []),
  ];
  const env = {
    ...process.env,
    ...options.env,
    HOST: host,
    PORT: String(port),
    SAS_GUARD_BRIDGE_URL: options.bridgeUrl,
  };
  const log = options.logFile ? createWriteStream(options.logFile) : undefined;
  const child = spawn(java, args, { env, stdio: ['ignore', log ? 'pipe' : 'inherit', log ? 'pipe' : 'inherit'] });
  if (log) {
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const printable = host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${printable}:${port}/fhir/R4`;
  const stop = stopper(child);
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (exited) {
      const tail = options.logFile
        ? readFileSync(options.logFile, 'utf8').trim().split('\n').slice(-15).join('\n')
        : '';
      throw new StartError(`the HAPI server exited before serving ${baseUrl}${tail ? `:\n${tail}` : ''}`);
    }
    try {
      if ((await fetch(`${baseUrl}/metadata`)).ok) {
        return { process: child, baseUrl, stop };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new StartError(`the HAPI server did not serve ${baseUrl} within 300 s`);
}
