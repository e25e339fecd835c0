// What the figures were measured on, for the header and bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineFacts {
  cpu: string;
  memory: string;
  node: string;
  commit: string;
}

function gitCommit(): string {
  const git = (args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git(['rev-parse', '--short', 'HEAD']);
    const changed = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return changed ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GB`,
    node: process.version,
    commit: gitCommit(),
  };
}
