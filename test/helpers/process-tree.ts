import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessEntry {
  readonly pid: number;
  /** Since boot, in clock ticks: with the pid, names this process and no later one given its pid. */
  readonly startTime: string;
  readonly command: string;
}

interface Stat {
  readonly state: string;
  readonly parent: number;
  readonly startTime: string;
}

/**
 * `pid` and every process descended from it, from /proc (Linux). Taken while they all run: a
 * process re-parented once its parent is gone can no longer be found from `pid`.
 */
export function processTree(pid: number): ProcessEntry[] {
  const children = new Map<number, number[]>();
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat === null) continue;
    stats.set(Number(name), stat);
    children.set(stat.parent, [...(children.get(stat.parent) ?? []), Number(name)]);
  }
  const tree: ProcessEntry[] = [];
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const stat = stats.get(next);
    if (stat === undefined) continue;
    tree.push({ pid: next, startTime: stat.startTime, command: commandLine(next) });
    pending.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Those of `processes` still running: a zombie has finished, and a reused pid is another process. */
export function stillRunning(processes: readonly ProcessEntry[]): ProcessEntry[] {
  return processes.filter((entry) => {
    const stat = readStat(entry.pid);
    return stat !== null && stat.startTime === entry.startTime && stat.state !== 'Z';
  });
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces; the fields after it do not.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', parent: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return null;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
