// `npm start` / `sas-guard start`: the embedded host. `--bare` starts it empty (no sas-guard installation);
// `--medplum-only` drops the SAS HTTP layer (plain Medplum behaviour, e.g. 400 on `?Identifier=`, no Location on 200).
import { UsageError, commandArguments, usageLine } from '../cli/args.ts';
import { ConfigError } from '../rules/config.ts';
import { flavorOf } from './flavor.ts';
import { start } from './server.ts';
import { untilStopped } from '../cli/until-stopped.ts';

const USAGE = `Usage: sas-guard start [--bare] [--medplum-only] [--medplum-version current|5.0.10]
  Serves a local, in-memory FHIR R4 endpoint at http://$HOST:$PORT/fhir/R4 (default 127.0.0.1:8103) with sas-guard
  installed, and its test bench page at http://$HOST:$PORT/ (docs/test-bench.md); nothing is served until the
  installation is done. Data lives in memory only; Ctrl-C stops it.
  --bare             start empty, without installing sas-guard (then: npm run deploy with MEDPLUM_BASE_URL pointing here)
  --medplum-only     without the SAS HTTP layer: answers exactly as a plain Medplum server with sas-guard deployed
  --medplum-version  the Medplum line to answer as: current (default) or 5.0.10 (no POST admin/projects/:id/settings)
  -h, --help         this text
Environment: HOST, PORT; SAS_GUARD_TOKEN (every request then needs "Authorization: Bearer <token>", the page asks it);
  SAS_GUARD_CLIENT_ID + SAS_GUARD_CLIENT_SECRET (the project admin client, for client credentials);
  SAS_GUARD_LANGUAGE, SAS_GUARD_SEVERITIES, SAS_GUARD_TRUSTED_AUTHORS (the rules' configuration, as a deployment's);
  SAS_GUARD_LOG_SIZE (the requests the page keeps, default 500).
Exit status: 0 stopped by SIGINT/SIGTERM; 1 could not start (e.g. the port is taken); 2 usage or configuration error.`;

/** Runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function runHost(argv: string[]): Promise<number> {
  const parsed = commandArguments('sas-guard start', USAGE, {
    args: argv,
    options: {
      bare: { type: 'boolean' },
      'medplum-only': { type: 'boolean' },
      'medplum-version': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (typeof parsed === 'number') {
    return parsed;
  }
  const { values } = parsed;
  const medplum = flavorOf(values['medplum-version']);
  if (!medplum) {
    console.error(
      usageLine(
        'sas-guard start',
        new UsageError(`--medplum-version is current or 5.0.10 (got "${values['medplum-version'] ?? ''}")`),
      ),
    );
    return 2;
  }
  const bare = values.bare === true;
  const sasLayer = values['medplum-only'] !== true;
  let host;
  try {
    host = await start({ bare, sasLayer, medplum });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`sas-guard start: ${err.message}`);
      return 2;
    }
    throw err;
  }
  console.log(`sas-guard host: FHIR base ${host.baseUrl}${bare ? ' (bare)' : ''}${sasLayer ? '' : ' (medplum-only)'}`);
  if (sasLayer) {
    console.log(`sas-guard host: test bench (every request, what it was answered and why) at ${host.url}`);
  }
  return untilStopped(host);
}
