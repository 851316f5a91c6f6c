// /proc/<pid>/ and /proc/self/ (fs/proc/base.c): maps, smaps, smaps_rollup, status.
// The text is generated when the file is read from offset 0 (seq_file), from the task's mm
// through the mm's formatters (fs/proc/task_mmu.c lives in kernel/mm).
import type { Kernel } from '../kernel.ts';
import type { Task } from '../task.ts';
import { ERRNO, O } from '../uapi/constants.ts';
import { OpenFile } from './file.ts';
import { FMODE_READ } from './vfs.ts';
import { procPidStatus } from './proc-status.ts';
import { pathComponents } from './path.ts';

const enc = new TextEncoder();
const PROC_FILES = new Set(['maps', 'smaps', 'smaps_rollup', 'status']);

/** Generates the text of /proc/<pid>/<name> for process `p`. */
export function procText(k: Kernel, p: Task, name: string): string {
  const mm = p.mm;
  switch (name) {
    case 'maps': return mm === null ? '' : k.mmg.showMaps(mm, p);
    case 'smaps': return mm === null ? '' : k.mmg.showSmaps(mm, p);
    case 'smaps_rollup': return mm === null ? '' : k.mmg.showSmapsRollup(mm, p);
    case 'status': return procStatus(k, p);
    default: return '';
  }
}

const sigset = (v: bigint): [number, number] => [Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn)];

function procStatus(k: Kernel, p: Task): string {
  let pnd = 0n, shd = 0n, ign = 0n, cgt = 0n;
  for (const s of p.pending) pnd |= 1n << BigInt(s.sig - 1);
  for (let sig = 1; sig <= 64; sig++) {
    const h = p.sighand.action[sig].handler;
    if (h === 1n) ign |= 1n << BigInt(sig - 1);
    else if (h > 1n) cgt |= 1n << BigInt(sig - 1);
  }
  const leader = p.group.find((x) => x.isLeader) ?? p;
  const state = p.state === 'zombie' ? 'Z (zombie)' : p === k.current ? 'R (running)' : p.state === 'blocked' ? 'S (sleeping)' : 'R (running)';
  return procPidStatus({
    comm: p.comm, state, tgid: p.tgid, pid: p.pid,
    ppid: leader.parent !== null && leader.parent.alive ? leader.parent.tgid : 1,
    pgid: k.init?.tgid ?? p.tgid,
    threads: p.group.filter((x) => x.alive).length,
    sigPnd: sigset(pnd), shdPnd: sigset(shd), sigBlk: sigset(p.blocked), sigIgn: sigset(ign), sigCgt: sigset(cgt),
    fdSize: p.files.size, voluntaryCtxt: p.nvcsw, nonvoluntaryCtxt: p.nivcsw,
    memLines: p.mm === null ? '' : k.mmg.taskMemStatus(p.mm),
    thpEnabled: false,
  });
}

/**
 * open() of a path under /proc: an OpenFile, -errno, or null when the path is not under /proc.
 * /proc/self is the caller's process; /proc/thread-self its thread.
 */
export function openProc(k: Kernel, t: Task, path: string, flags: number): OpenFile | number | null {
  const comps = pathComponents(t.cwd.path(), path);
  if (comps[0] !== 'proc') return null;
  if (comps.length === 1) return -ERRNO.EISDIR;
  let pid: number;
  if (comps[1] === 'self') pid = t.tgid;
  else if (comps[1] === 'thread-self') pid = t.pid;
  else if (/^[1-9][0-9]*$/.test(comps[1])) pid = Number(comps[1]);
  else return -ERRNO.ENOENT;
  const p = k.tasks.get(pid);
  if (p === undefined || p.state === 'dead') return -ERRNO.ENOENT;
  if (comps.length === 2) return (flags & O.O_ACCMODE) !== O.O_RDONLY ? -ERRNO.EISDIR : -ERRNO.EISDIR;
  if (comps.length !== 3 || !PROC_FILES.has(comps[2])) return -ERRNO.ENOENT;
  if ((flags & O.O_ACCMODE) !== O.O_RDONLY) return -ERRNO.EACCES;
  if (flags & O.O_CREAT && flags & O.O_EXCL) return -ERRNO.EEXIST;
  const name = comps[2];
  return new OpenFile(
    { type: 'proc', path: `/proc/${pid}/${name}`, generate: () => enc.encode(procText(k, p, name)), text: null },
    flags, FMODE_READ,
  );
}
