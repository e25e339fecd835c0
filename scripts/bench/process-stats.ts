// CPU and peak RSS of the processes under test, read from /proc (Linux), the same way for a forked server, a
// spawned Hookfleet app and pgbench; elsewhere those figures are missing, not wrong. Plus the machine's busy
// cores, so that what none of our processes used (Postgres, Redis, other work) shows as "rest".
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface ProcessFigures {
  name: string;
  /** Cores used on average over the window (1 = one core busy all the time). */
  cpuCores: number | null;
  /** The process's high-water mark of resident memory over its life (VmHWM). */
  peakRssBytes: number | null;
}

interface ProcessReading {
  cpuMs: number;
  peakRssBytes: number;
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function readProcess(pid: number): ProcessReading | null {
  try {
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat)
    const peakKb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    // An exited process not yet reaped (a zombie) has no memory left to report: no reading.
    if (peakKb === undefined) return null;
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, peakRssBytes: Number(peakKb) * 1024 };
  } catch {
    return null;
  }
}

function machineTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, idle: cpuIdle, irq } = cpu.times;
    idle += cpuIdle;
    total += user + nice + sys + cpuIdle + irq;
  }
  return { idle, total };
}

export interface WindowFigures {
  ms: number;
  processes: ProcessFigures[];
  /** Cores this process (the load generator, the downstreams) used. */
  benchCpu: number;
  /** Busy cores no process of ours accounts for: Postgres, Redis and any unrelated work. */
  restCpu: number;
}

export interface MeasuringWindow {
  /** `followed`: processes measured on their own over the same window (followUntilExit), counted as ours. */
  close(followed?: ProcessFigures[]): WindowFigures;
}

/** Starts a window over these processes (all running now); close() while they still run. */
export function openWindow(processes: Array<{ name: string; pid: number }>): MeasuringWindow {
  const startedAt = performance.now();
  const machineBefore = machineTimes();
  const benchBefore = process.cpuUsage();
  const before = processes.map((watched) => readProcess(watched.pid));
  return {
    close(followed = []) {
      const ms = performance.now() - startedAt;
      const machineAfter = machineTimes();
      const bench = process.cpuUsage(benchBefore);
      const figures = processes.map((watched, i): ProcessFigures => {
        const start = before[i];
        const end = readProcess(watched.pid);
        return {
          name: watched.name,
          cpuCores: start && end ? (end.cpuMs - start.cpuMs) / ms : null,
          peakRssBytes: end?.peakRssBytes ?? null,
        };
      });
      figures.push(...followed);
      const busy =
        os.cpus().length * (1 - (machineAfter.idle - machineBefore.idle) / (machineAfter.total - machineBefore.total));
      const benchCpu = (bench.user + bench.system) / 1000 / ms;
      const ours = figures.reduce((sum, figure) => sum + (figure.cpuCores ?? 0), benchCpu);
      return { ms, processes: figures, benchCpu, restCpu: Math.max(0, busy - ours) };
    },
  };
}

/**
 * For a process that ends by itself (pgbench): polls it until it exits and keeps the last reading, so its
 * figures cover its life up to the last poll before exit.
 */
export function followUntilExit(name: string, pid: number, intervalMs = 100): { stop(): ProcessFigures } {
  const first = readProcess(pid);
  const firstAt = performance.now();
  let last = first;
  let lastAt = firstAt;
  const timer = setInterval(() => {
    const reading = readProcess(pid);
    if (reading) {
      last = reading;
      lastAt = performance.now();
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return {
        name,
        cpuCores: first && last && lastAt > firstAt ? (last.cpuMs - first.cpuMs) / (lastAt - firstAt) : null,
        peakRssBytes: last?.peakRssBytes ?? null,
      };
    },
  };
}

/** Busy cores while nothing of ours runs: other work on the machine makes every figure low and noisy. */
export async function backgroundCpu(ms: number): Promise<number> {
  const window = openWindow([]);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const figures = window.close();
  return figures.restCpu + figures.benchCpu;
}
