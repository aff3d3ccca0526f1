// A long-running command (host, gateway, bridge) runs until Ctrl-C or the service manager's SIGTERM, then closes what
// it serves: exit status 0 once closed, 1 if closing failed.
export function untilStopped(running: { close(): Promise<void> }): Promise<number> {
  return new Promise((resolve) => {
    const stop = (): void => {
      running.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
