// A long-running command (host, gateway, bridge, `npm run hapi`) runs until Ctrl-C or the service manager's SIGTERM,
// or until `ended` settles (a process it depends on stopped), then closes what it serves: exit status 0 once closed
// after a signal, 1 after `ended` or if closing failed.
export function untilStopped(running: { close(): Promise<void> }, ended?: Promise<unknown>): Promise<number> {
  return new Promise((resolve) => {
    const stop = (code: number) => (): void => {
      running.close().then(
        () => resolve(code),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop(0));
    process.once('SIGTERM', stop(0));
    ended?.then(stop(1), stop(1));
  });
}
