// The shared main(): start an app, stop it once on SIGTERM/SIGINT, exit 0 when it has drained.
import { describeError } from '@hookfleet/observability';

/** One JSON line on stderr, for failures that happen outside any request or job (no logger reaches them). */
const report = (name: string, message: string, error: unknown) =>
  console.error(JSON.stringify({ level: 'error', service: name, message, error: describeError(error) }));

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
  // A promise nobody awaited failed: a bug, logged whole; it is no reason to drop every request in flight.
  process.on('unhandledRejection', (reason) => report(name, 'unhandled promise rejection', reason));
  // A throw outside any request or job leaves the process in a state nothing vouches for: say what it
  // was, then exit for the orchestrator to restart (requests and jobs catch their own errors).
  process.on('uncaughtException', (error) => {
    report(name, 'uncaught exception; exiting', error);
    process.exit(1);
  });
}
