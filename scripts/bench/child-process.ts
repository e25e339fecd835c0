// The parent's half of ./protocol.ts: fork a target into a process of its own, wait until it is ready,
// ask for progress, stop it.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { ChildMessage, ParentMessage } from './protocol.js';

export interface TargetProcess {
  pid: number;
  /** The server's URL; null for a worker. */
  url: string | null;
  progress(): Promise<{ completed: number; lastCompletedAt: number }>;
  /** Graceful stop, then exit; killed if it hangs. */
  stop(): Promise<void>;
}

function nextMessage<Type extends ChildMessage['type']>(
  child: ChildProcess,
  type: Type,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: Type }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(new Error(`no '${type}' from the child in ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type === type) settle(null, message as Extract<ChildMessage, { type: Type }>);
    };
    const onExit = (code: number | null, signal: string | null) =>
      settle(new Error(`the child exited (${signal ?? `code ${code}`}) before sending '${type}'`));
    function settle(error: Error | null, message?: Extract<ChildMessage, { type: Type }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export async function startTargetProcess(
  entry: URL,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<TargetProcess> {
  const child = fork(entry, args, {
    // The same loader and condition as this script: workspace packages run from their TS source.
    execArgv: ['--import', import.meta.resolve('tsx'), '--conditions=@hookfleet/source'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
    // stdout is Hookfleet's JSON log, a line or more per request: reading it would cost this process CPU,
    // so it goes to /dev/null. stderr stays visible for start-up failures and the first failed request.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const send = (message: ParentMessage) => child.send(message);
  let ready: Extract<ChildMessage, { type: 'ready' }>;
  try {
    ready = await nextMessage(child, 'ready', 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    pid: child.pid!,
    url: ready.url,
    async progress() {
      const reply = nextMessage(child, 'progress', 10_000);
      send({ type: 'progress' });
      const { completed, lastCompletedAt } = await reply;
      return { completed, lastCompletedAt };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
