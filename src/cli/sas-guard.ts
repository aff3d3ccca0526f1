// `sas-guard <command>`: the package's bin dispatcher. Each subcommand is one line of COMMANDS, loaded lazily.
type Command = { summary: string; main: () => Promise<(argv: string[]) => Promise<number>> };

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'serve the embedded, in-memory FHIR host with sas-guard installed (--bare, --medplum-only)',
    main: async () => (await import('../host/main.ts')).runHost,
  },
  deploy: {
    summary: 'install sas-guard into a Medplum project (--dry-run, --uninstall)',
    main: async () => (await import('../deploy/cli.ts')).main,
  },
  gateway: {
    summary: 'SAS gateway (mTLS, ?Identifier=, Location on 200) in front of a Medplum server (--config, --upstream)',
    main: async () => (await import('../gateway/main.ts')).runGateway,
  },
  bridge: {
    summary: "judge a HAPI FHIR server's Appointment writes for its sas-guard interceptor (--port, --socket)",
    main: async () => (await import('../bridge/main.ts')).runBridge,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: sas-guard <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nsas-guard <command> --help for a command's options.`;
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`sas-guard: unknown command "${name}"\n${usage()}`);
    return 1;
  }
  try {
    return await (
      await command.main()
    )(rest);
  } catch (err) {
    // Subcommands report their own errors; this is the last line of defence: one line, never a stack.
    console.error(`sas-guard ${name}: ${err instanceof Error ? err.message : String(err)}`.split('\n')[0]);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
