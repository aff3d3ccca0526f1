// `sas-guard gateway --config gateway.json [--upstream URL] [--host H] [--port P] [--plain-http] [--public-url URL]`
// (`npm run gateway -- …`): starts the SAS gateway and runs until SIGINT/SIGTERM.
import { commandArguments } from '../cli/args.ts';
import { configDir, loadConfigFile, parseConfig } from './config.ts';
import { ConfigError, printableUrl } from './config-values.ts';
import { startGateway } from './server.ts';
import { untilStopped } from '../cli/until-stopped.ts';

const USAGE = `Usage: sas-guard gateway [--config gateway.json] [options]

Reverse proxy that gives any Medplum server the SAS receiver's HTTP contract (?Identifier=, Location on 200,
the sender's body id ignored) and mutual TLS with client certificates mapped to Medplum client applications.

Options (override the configuration file):
  --config FILE      JSON configuration (see docs/gateway.md)
  --upstream URL     Medplum server root, e.g. https://medplum.internal/
  --host HOST        bind address (default 127.0.0.1)
  --port PORT        port (default 8443; 0 = any free port)
  --plain-http       plain HTTP behind a TLS terminator (the configuration must then have no tls section)
  --public-url URL   the URL clients use (for Location headers)
  -h, --help         this text`;

export async function runGateway(argv: string[]): Promise<number> {
  const parsed = commandArguments('sas-guard gateway', USAGE, {
    args: argv,
    options: {
      config: { type: 'string' },
      upstream: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'plain-http': { type: 'boolean' },
      'public-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (typeof parsed === 'number') {
    return parsed;
  }
  const { values } = parsed;

  let gateway;
  try {
    const raw = (values.config ? loadConfigFile(values.config) : {}) as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ConfigError('the configuration must be a JSON object');
    }
    const listen = { ...((raw.listen ?? {}) as Record<string, unknown>) };
    if (values.host !== undefined) {
      listen.host = values.host;
    }
    if (values.port !== undefined) {
      if (!/^\d+$/.test(values.port)) {
        throw new ConfigError(`--port ${values.port} is not a port number`);
      }
      listen.port = Number(values.port);
    }
    const merged: Record<string, unknown> = { auth: { mode: 'bearer' }, ...raw, listen };
    if (values.upstream !== undefined) {
      merged.upstream = { ...((raw.upstream ?? {}) as Record<string, unknown>), url: values.upstream };
    }
    if (values['plain-http']) {
      merged.plainHttp = true;
    }
    if (values['public-url'] !== undefined) {
      merged.publicUrl = values['public-url'];
    }
    const config = parseConfig(merged, values.config ? configDir(values.config) : process.cwd());
    gateway = await startGateway(config);
    const mode = config.tls ? 'mTLS' : 'plain HTTP (behind a TLS terminator)';
    console.log(
      `sas-guard gateway: ${gateway.baseUrl} (${mode}, auth ${config.auth.mode}) → ${printableUrl(config.upstream.url)}`,
    );
  } catch (err) {
    console.error(`sas-guard gateway: ${err instanceof Error ? err.message : String(err)}`.split('\n')[0]);
    return 1;
  }

  return untilStopped(gateway);
}

// `node src/gateway/main.ts …` (npm run gateway) as well as `sas-guard gateway …`.
if (import.meta.filename === process.argv[1]) {
  process.exitCode = await runGateway(process.argv.slice(2));
}
