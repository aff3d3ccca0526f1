// `npm start` / `sas-guard start`: the embedded host. `--bare` starts it empty (no sas-guard installation);
// `--medplum-only` drops the SAS HTTP layer (plain Medplum behaviour, e.g. 400 on `?Identifier=`, no Location on 200).
import { start } from './server.ts';

const USAGE = `Usage: sas-guard start [--bare] [--medplum-only]
  Serves a local, in-memory FHIR R4 endpoint at http://$HOST:$PORT/fhir/R4 (default 127.0.0.1:8103) with sas-guard
  installed, and its test bench page at http://$HOST:$PORT/. Data lives in memory only. SAS_GUARD_TOKEN set: every
  request needs "Authorization: Bearer <token>" (the page asks for it). SAS_GUARD_LOG_SIZE: requests the page keeps (500).
  --bare          start empty, without installing sas-guard (then: npm run deploy with MEDPLUM_BASE_URL pointing here)
  --medplum-only  without the SAS HTTP layer: answers exactly as a plain Medplum server with sas-guard deployed`;

/** Runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function runHost(argv: string[]): Promise<number> {
  const args = new Set(argv);
  if (args.has('--help') || args.has('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = [...args].filter((arg) => arg !== '--bare' && arg !== '--medplum-only');
  if (unknown.length > 0) {
    console.error(`sas-guard start: unknown option ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const bare = args.has('--bare');
  const sasLayer = !args.has('--medplum-only');
  const host = await start({ bare, sasLayer });
  console.log(`sas-guard host: FHIR base ${host.baseUrl}${bare ? ' (bare)' : ''}${sasLayer ? '' : ' (medplum-only)'}`);
  if (sasLayer) {
    console.log(`sas-guard host: test bench (every request, what it was answered and why) at ${host.url}`);
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      host.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
