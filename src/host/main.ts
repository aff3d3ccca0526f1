// `npm start`: the embedded host. `--bare` starts empty (no sas-guard installation); `--medplum-only` drops the SAS
// HTTP layer (plain Medplum behaviour, e.g. 400 on `?Identifier=` and no Location on 200).
import { start } from './server.ts';

const args = new Set(process.argv.slice(2));
const bare = args.has('--bare');
const sasLayer = !args.has('--medplum-only');

try {
  const host = await start({ bare, sasLayer });
  console.log(`sas-guard host: FHIR base ${host.baseUrl}${bare ? ' (bare)' : ''}${sasLayer ? '' : ' (medplum-only)'}`);
  const stop = (): void => {
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`sas-guard host failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
