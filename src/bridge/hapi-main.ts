// `npm run hapi`: HAPI FHIR (hapi/server, H2 in memory) with sas-guard installed as a jpaserver-starter user installs
// it (hapi/sas-guard.yaml), and the bridge, on 127.0.0.1; HOST and PORT as for `npm start` (default 8103), FHIR base
// /fhir/R4. Runs until SIGINT/SIGTERM or until one of the two processes stops.
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../rules/config.ts';
import { HAPI_DIR, ensureHapiBuilt } from './hapi-build.ts';
import type { RunningProcess } from './processes.ts';
import { startBridgeProcess, startHapi } from './processes.ts';

async function main(): Promise<number> {
  const running: RunningProcess[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(running.map((process) => process.stop()));
  try {
    parseConfig(process.env);
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
    const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    console.error(`sas-guard hapi: ${message}`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (code: number) => (): void => {
      stopAll().then(
        () => resolve(code),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop(0));
    process.once('SIGTERM', stop(0));
    for (const child of running) {
      child.process.once('exit', stop(1));
    }
  });
}

process.exitCode = await main();
