// `npm run hapi`: HAPI FHIR (hapi/server, H2 in memory) with sas-guard installed as a jpaserver-starter user installs
// it (hapi/sas-guard.yaml), and the bridge, on 127.0.0.1; HOST and PORT as for `npm start` (default 8103), FHIR base
// /fhir/R4. Runs until SIGINT/SIGTERM or until one of the two processes stops.
import { once } from 'node:events';
import { join } from 'node:path';
import { untilStopped } from '../cli/until-stopped.ts';
import { parseConfig } from '../rules/config.ts';
import { HAPI_DIR, ensureHapiBuilt } from './hapi-build.ts';
import type { RunningProcess } from './processes.ts';
import { startBridgeProcess, startHapi } from './processes.ts';

async function main(): Promise<number> {
  const running: RunningProcess[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(running.map((process) => process.stop()));
  try {
    parseConfig(process.env); // a wrong setting stops here, before HAPI takes a minute to start
    ensureHapiBuilt({ offline: true });
    const bridge = await startBridgeProcess();
    running.push(bridge);
    const port = process.env.PORT ? Number(process.env.PORT) : 8103;
    const hapi = await startHapi({
      bridgeUrl: bridge.url,
      host: process.env.HOST ?? '127.0.0.1',
      port,
      configFile: join(HAPI_DIR, 'sas-guard.yaml'),
    });
    running.push(hapi);
    console.log(`sas-guard on HAPI FHIR: FHIR base ${hapi.baseUrl} (bridge ${bridge.url}; data in memory only)`);
  } catch (err) {
    await stopAll();
    console.error(`sas-guard hapi: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const oneStopped = Promise.race(running.map((child) => once(child.process, 'exit')));
  return untilStopped({ close: async () => void (await stopAll()) }, oneStopped);
}

process.exitCode = await main();
