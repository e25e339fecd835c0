// The child's half of ./protocol.ts: tell the parent it is ready, answer its questions, stop when told.
import type { ChildMessage, ParentMessage } from './protocol.js';

export interface ChildRole {
  name: string;
  url: string | null;
  progress?(): { completed: number; lastCompletedAt: number };
  stop(): Promise<void>;
}

export async function runAsChild(name: string, start: () => Promise<ChildRole>): Promise<void> {
  const send = (message: ChildMessage) => process.send?.(message);
  let role: ChildRole;
  try {
    role = await start();
  } catch (error) {
    console.error(`bench ${name} failed to start:`, error);
    process.exit(1);
  }
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'progress')
      send({ type: 'progress', ...(role.progress?.() ?? { completed: 0, lastCompletedAt: 0 }) });
    if (message.type === 'stop') {
      role.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`bench ${name} failed to stop:`, error);
          process.exit(1);
        },
      );
    }
  });
  // The parent gone (killed, crashed) means nobody will send 'stop': do not outlive it.
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready', url: role.url });
}
