// `sas-guard bridge [--host 127.0.0.1] [--port 8787] [--socket PATH]`: serves the rules to HAPI's sas-guard
// interceptor until SIGINT/SIGTERM. Configured like the bot: SAS_GUARD_LANGUAGE, SAS_GUARD_SEVERITIES,
// SAS_GUARD_TRUSTED_AUTHORS; a wrong value stops it at start with one line.
import { UsageError, commandArguments, usageLine } from '../cli/args.ts';
import { ConfigError, parseConfig } from '../rules/config.ts';
import { BridgeStartError, startBridge } from './server.ts';
import { untilStopped } from '../cli/until-stopped.ts';

const USAGE = `Usage: sas-guard bridge [--host 127.0.0.1] [--port 8787] [--socket PATH]

Judges the Appointment writes of a HAPI FHIR server running sas-guard's interceptor (hapi/, docs/hapi.md) with the
rules of the Medplum bot. Configuration from the environment: SAS_GUARD_LANGUAGE (fr|en), SAS_GUARD_SEVERITIES
(JSON rule id → error|warning|off), SAS_GUARD_TRUSTED_AUTHORS (comma-separated, e.g. ClientApplication/admin).

Options:
  --host HOST    loopback address to listen on (default 127.0.0.1)
  --port PORT    TCP port (default 8787; 0 = any free port)
  --socket PATH  listen on a Unix socket instead of TCP
  -h, --help     this text`;

export async function runBridge(argv: string[]): Promise<number> {
  const parsed = commandArguments('sas-guard bridge', USAGE, {
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      socket: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (typeof parsed === 'number') {
    return parsed;
  }
  const { values } = parsed;
  if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) {
    console.error(usageLine('sas-guard bridge', new UsageError(`--port ${values.port} is not a port number`)));
    return 2;
  }

  let bridge;
  try {
    const config = parseConfig(process.env);
    bridge = await startBridge({
      config,
      host: values.host,
      port: values.port === undefined ? undefined : Number(values.port),
      socket: values.socket,
    });
    console.log(
      `sas-guard bridge: ${bridge.url} (messages ${config.language}, ${config.trustedAuthors.length} trusted author(s))`,
    );
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof BridgeStartError;
    const reason = err instanceof Error ? err.message : String(err);
    console.error(`sas-guard bridge: ${known ? reason : `cannot start (${reason})`}`.split('\n')[0]);
    return 1;
  }

  return untilStopped(bridge);
}
