// sas-guard on a real HAPI FHIR server for the tests: the hapi/server jar configured with the jpaserver-starter
// settings docs/hapi.md gives (hapi/sas-guard.yaml plus clients), and a real bridge process. One per test file.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAPI_DIR, ensureHapiBuilt } from '../../src/bridge/hapi-build.ts';
import type { RunningBridgeProcess, RunningHapi } from '../../src/bridge/processes.ts';
import { startBridgeProcess, startHapi } from '../../src/bridge/processes.ts';

/** The editors of these tests and their bearer tokens; `admin` is a trusted author. */
export const CLIENTS = {
  editorA: { identity: 'ClientApplication/editor-a', token: 'token-editor-a-0123456789' },
  editorB: { identity: 'ClientApplication/editor-b', token: 'token-editor-b-0123456789' },
  admin: { identity: 'ClientApplication/sas-admin', token: 'token-sas-admin-0123456789' },
} as const;

export type ClientName = keyof typeof CLIENTS;

export interface HapiStack {
  baseUrl: string;
  /** The server's root, e.g. http://127.0.0.1:1234/ (what a gateway's upstream.url names). */
  rootUrl: string;
  bridge: RunningBridgeProcess;
  hapi: RunningHapi;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

/** hapi/sas-guard.yaml with the three clients added, as an admin would write it (token hashes, not tokens). */
export function configWithClients(): string {
  const clients = Object.values(CLIENTS)
    .map(
      ({ identity, token }) =>
        `    - identity: ${identity}\n      token-sha256: ${createHash('sha256').update(token).digest('hex')}\n`,
    )
    .join('');
  return readFileSync(join(HAPI_DIR, 'sas-guard.yaml'), 'utf8').replace(
    /\n {2}# clients:\n/,
    `\n  clients:\n${clients}`,
  );
}

export async function startHapiStack(): Promise<HapiStack> {
  ensureHapiBuilt({ offline: true });
  const dir = mkdtempSync(join(tmpdir(), 'sas-guard-hapi-'));
  const configFile = join(dir, 'application-sas-guard.yaml');
  writeFileSync(configFile, configWithClients());
  const env = { ...process.env, SAS_GUARD_TRUSTED_AUTHORS: CLIENTS.admin.identity };
  const bridge = await startBridgeProcess(env);
  const logFile = join(dir, 'hapi.log');
  try {
    const hapi = await startHapi({ bridgeUrl: bridge.url, port: 0, configFile, env, logFile });
    return {
      baseUrl: hapi.baseUrl,
      rootUrl: hapi.baseUrl.replace(/fhir\/R4$/, ''),
      bridge,
      hapi,
      dir,
      logFile,
      stop: async () => {
        await Promise.all([hapi.stop(), bridge.stop()]);
      },
    };
  } catch (err) {
    await bridge.stop();
    throw err;
  }
}
