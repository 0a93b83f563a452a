import { readFileSync, readdirSync } from 'node:fs';

// CPU time and memory of processes, from /proc (Linux). CPU milliseconds per request are steadier
// than requests per second on a shared machine: they do not depend on who else got the cores.

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

/**
 * User + system CPU time of one process and of the children it has reaped, in milliseconds; 0 once
 * it is gone. A PostgreSQL backend that exits during a measurement (pgbench's, when pgbench ends)
 * takes its own time along, but the postmaster reaps it and the kernel adds that time to the
 * postmaster's: summed over a process tree before and after, nothing is lost.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces:
    // utime, stime, cutime, cstime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A process and all the processes it started (a postmaster and its backends). */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(rootPid);
  return tree;
}

/** Resident memory now, in MB. */
export function residentMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] === undefined ? 0 : Number(match[1]) / 1024;
}

/** CPU used by a set of processes between `start()` and `stop()`, and the peak resident memory of one. */
export function measure(cpuPids: () => readonly number[], memoryPid: number | null) {
  const before = new Map(cpuPids().map((pid) => [pid, cpuMs(pid)]));
  let peakMb = memoryPid === null ? 0 : residentMb(memoryPid);
  const sampler = setInterval(() => {
    if (memoryPid !== null) peakMb = Math.max(peakMb, residentMb(memoryPid));
  }, 100);
  return {
    stop(): { cpuMs: number; peakMb: number } {
      clearInterval(sampler);
      // Processes that started during the run count from zero; the time of those that ended is
      // in their parent's (cpuMs), which is in the set.
      const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);
      const used = sum(cpuPids().map(cpuMs)) - sum(before.values());
      return { cpuMs: used, peakMb };
    },
  };
}
