/**
 * CPU time and memory of processes, read from /proc (Linux only).
 *
 *   /proc/<pid>/stat    field 14 utime, 15 stime (clock ticks, USER_HZ = 100 on Linux),
 *                       field 4 ppid (to find every descendant: sshd forks per connection)
 *   /proc/<pid>/status  VmRSS (kB)
 *
 * A role ("relay") is a set of root PIDs; with `tree` their live descendants count too. CPU of a
 * process that exits between two samples is lost, so every measured process lives across the
 * measurement (the sshd session child, stunnel's threads, the Node apps).
 */
import fs from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux ABI Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessRoot {
  pid: number;
  /** Count the process's descendants too (default true). */
  tree?: boolean;
}

export interface ProcessSample {
  cpuSeconds: number;
  rssBytes: number;
  pids: number[];
}

interface StatLine {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): field n is fields[n - 3].
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

function readRssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  return children;
}

/** The PIDs of `roots`, with the descendants of those that ask for them. */
export function expandRoots(roots: readonly ProcessRoot[]): number[] {
  const pids = new Set<number>();
  const children = roots.some((root) => root.tree !== false) ? childrenByParent() : new Map();
  const visit = (pid: number, tree: boolean): void => {
    if (pids.has(pid)) return;
    pids.add(pid);
    if (tree) for (const child of children.get(pid) ?? []) visit(child, true);
  };
  for (const root of roots) visit(root.pid, root.tree !== false);
  return [...pids];
}

/** CPU seconds (user + system) and RSS summed over the roles' processes right now. */
export function sampleProcesses(roots: readonly ProcessRoot[]): ProcessSample {
  const pids = expandRoots(roots);
  let ticks = 0;
  let rssBytes = 0;
  for (const pid of pids) {
    ticks += readStat(pid)?.ticks ?? 0;
    rssBytes += readRssBytes(pid);
  }
  return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, rssBytes, pids };
}

/** RSS of one process (no descendants). */
export function processRssBytes(pid: number): number {
  return readRssBytes(pid);
}

/** CPU seconds of one process (no descendants). */
export function processCpuSeconds(pid: number): number {
  return (readStat(pid)?.ticks ?? 0) / CLOCK_TICKS_PER_SECOND;
}
