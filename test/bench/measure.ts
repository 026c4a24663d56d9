import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status), null if unreadable. */
export function rssBytes(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat), null if unreadable. */
export function cpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "(comm)": state is field 3, utime field 14, stime field 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return null;
  }
}

export interface Distribution {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentiles of `values` (milliseconds), rounded to 0.1. */
export function distribution(values: number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number): number =>
    round1(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: round1(sorted.at(-1) ?? NaN) };
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function mib(bytes: number | null): string {
  return bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function ms(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(1)} ms`;
}

/** One second (or so) of the load, as the sampler saw it. */
export interface Sample {
  /** performance.now() at the end of the interval. */
  at: number;
  /** Server CPU in the interval, % of one core (null without a pid). */
  serverCpu: number | null;
  /** The bench process's CPU in the interval, % of one core. */
  clientCpu: number;
  /** The longest the bench's event loop was late running a timer in the interval. */
  clientLoopMaxMs: number;
  /** The whole machine's CPU in use, % of all cores (what else runs shows here too). */
  machineCpu: number | null;
  serverRss: number | null;
}

/** Busy and total jiffies of all cores since boot (/proc/stat), null if unreadable. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy
    const total = ticks.reduce((sum, value) => sum + value, 0);
    return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** CPU seconds all cores have been busy since boot (/proc/stat), null if unreadable. */
export function machineBusySeconds(): number | null {
  const ticks = machineTicks();
  return ticks === null ? null : ticks.busy / ticksPerSecond();
}

/** Samples CPU and event-loop delay every `intervalMs` until stopped. */
export function startSampler(pid: number | null, intervalMs = 1_000): { stop(): Sample[] } {
  const samples: Sample[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const read = () => ({
    at: performance.now(),
    server: cpuSeconds(pid),
    client: process.cpuUsage(),
    machine: machineTicks(),
  });
  let last = read();
  const take = (): void => {
    const now = read();
    const seconds = (now.at - last.at) / 1000;
    const client = process.cpuUsage(last.client);
    samples.push({
      at: now.at,
      serverCpu:
        now.server === null || last.server === null
          ? null
          : round1(((now.server - last.server) / seconds) * 100),
      clientCpu: round1(((client.user + client.system) / 1e6 / seconds) * 100),
      clientLoopMaxMs: round1(Math.max(0, loop.max / 1e6 - 10)),
      machineCpu:
        now.machine && last.machine && now.machine.total > last.machine.total
          ? round1(
              ((now.machine.busy - last.machine.busy) / (now.machine.total - last.machine.total)) *
                100,
            )
          : null,
      serverRss: rssBytes(pid),
    });
    loop.reset();
    last = { ...now, client: process.cpuUsage() };
  };
  const timer = setInterval(take, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      // a last stretch too short to say anything is left out
      if (performance.now() - last.at >= intervalMs / 4) take();
      loop.disable();
      return samples;
    },
  };
}
