// Ctrl-C: the running step stops early, and the benchmark cleans up (its database, its Redis keys, its
// processes) before it exits.
const listeners = new Set<() => void>();
let requested = false;

export function requestInterruption(): void {
  requested = true;
  for (const listener of listeners) listener();
}

/** Runs `listener` on Ctrl-C until the returned function is called. */
export function onInterruption(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function throwIfInterrupted(): void {
  if (requested) throw new Error('interrupted');
}

/** Waits `ms`, or less when interrupted (then throws). */
export async function interruptibleSleep(ms: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const stopListening = onInterruption(done);
    function done() {
      clearTimeout(timer);
      stopListening();
      resolve();
    }
  });
  throwIfInterrupted();
}
