// The shared main(): start an app, stop it once on SIGTERM/SIGINT, exit 0 when it has drained.
export async function runUntilSignal(name: string, start: () => Promise<{ stop(): Promise<void> }>): Promise<void> {
  let app: { stop(): Promise<void> };
  try {
    app = await start();
  } catch (error) {
    console.error(`${name} failed to start:`, error instanceof Error ? error.message : error);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`${name}: ${signal} received, draining`);
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${name} failed to stop cleanly:`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
