// Process system calls: kernel/fork.c (fork, clone), kernel/exit.c (exit, exit_group, wait4),
// kernel/sys.c (getpid, getppid, gettid, getrusage), kernel/sched/syscalls.c (sched_yield).
import type { Kernel } from '../kernel.ts';
import { Task } from '../task.ts';
import type { SysArgs } from './args.ts';
import type { SyscallResult } from './table.ts';
import { CLONE, ERRNO, RUSAGE, SIG, WAIT } from '../uapi/constants.ts';
import { exitStatus } from '../signal-defs.ts';
import { le32, le64 } from '../uaccess.ts';

/** Cycles per second of the modelled core (for ru_utime/ru_stime). */
export const CPU_HZ = 3_000_000_000;

export function sysGetpid(_k: Kernel, t: Task): SyscallResult {
  return t.tgid;
}

export function sysGettid(_k: Kernel, t: Task): SyscallResult {
  return t.pid;
}

export function sysGetppid(_k: Kernel, t: Task): SyscallResult {
  const leader = t.group.find((x) => x.isLeader) ?? t;
  const p = leader.parent;
  // An orphan (or the first program) has init, pid 1, as its parent.
  return p !== null && p.alive ? p.tgid : 1;
}

export function sysSchedYield(k: Kernel, t: Task): SyscallResult {
  k.yield(t);
  return 0;
}

export function sysExit(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  k.doExit(t, exitStatus(a.i32(0)));
  return 'noreturn';
}

export function sysExitGroup(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  k.exitGroup(t, a.i32(0));
  return 'noreturn';
}

export function sysFork(k: Kernel, t: Task): SyscallResult {
  return copyProcess(k, t, SIG.SIGCHLD, 0, 0, 0);
}

/** clone(flags, newsp, parent_tid, child_tid, tls) — the x86-64 argument order. */
export function sysClone(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return copyProcess(k, t, a.lo[0], a.u(1), a.u(2), a.u(3));
}

/** kernel/fork.c: copy_process() + wake_up_new_task(). Returns the child's tid or -errno. */
function copyProcess(k: Kernel, t: Task, flags: number, newsp: number, parentTid: number, childTid: number): number {
  // copy_process() flag checks.
  if ((flags & (CLONE.CLONE_NEWNS | CLONE.CLONE_FS)) === (CLONE.CLONE_NEWNS | CLONE.CLONE_FS)) return -ERRNO.EINVAL;
  if ((flags & CLONE.CLONE_THREAD) && !(flags & CLONE.CLONE_SIGHAND)) return -ERRNO.EINVAL;
  if ((flags & CLONE.CLONE_SIGHAND) && !(flags & CLONE.CLONE_VM)) return -ERRNO.EINVAL;
  if (t.mm === null) return -ERRNO.EINVAL;
  let mm: unknown;
  if (flags & CLONE.CLONE_VM) mm = t.mm;
  else {
    const r = k.mmg.dupMmap(t.mm);
    if (r === null) return -ERRNO.ENOMEM;
    mm = r;
  }
  const files = flags & CLONE.CLONE_FILES ? t.files : t.files.clone();
  if (flags & CLONE.CLONE_FILES) files.refs++;
  const sighand = flags & CLONE.CLONE_SIGHAND ? t.sighand : t.sighand.clone();
  if (flags & CLONE.CLONE_SIGHAND) sighand.refs++;
  const pid = k.allocPid();
  const thread = (flags & CLONE.CLONE_THREAD) !== 0;
  const leader = t.group.find((x) => x.isLeader) ?? t;
  const parent = thread || flags & CLONE.CLONE_PARENT ? leader.parent : leader;
  const child = new Task(pid, thread ? t.tgid : pid, parent, mm, files, sighand, t.cwd, t.comm, thread ? t.group : undefined);
  child.regLo.set(t.regLo);
  child.regHi.set(t.regHi);
  child.pcLo = t.pcLo;
  child.pcHi = t.pcHi;
  child.regLo[0] = 0;
  child.regHi[0] = 0;
  if (newsp !== 0) {
    child.regLo[15] = newsp >>> 0;
    child.regHi[15] = Math.floor(newsp / 0x100000000) >>> 0;
  }
  child.blocked = t.blocked;
  child.exitSignal = thread ? -1 : flags & CLONE.CSIGNAL;
  child.maxrssKb = 0;
  if (!thread && parent !== null) parent.children.push(child);
  k.tasks.set(pid, child);
  k.runQueue.push(child);
  // The tid stores happen in the child's/parent's address space after the copy.
  const tid = new Uint8Array(4);
  le32(tid, 0, pid);
  if (flags & CLONE.CLONE_PARENT_SETTID) k.copyToUser(parentTid, tid);
  if (flags & CLONE.CLONE_CHILD_SETTID && mm === t.mm) k.copyToUser(childTid, tid);
  if (flags & CLONE.CLONE_CHILD_CLEARTID) child.clearChildTid = childTid;
  k.traceProcess(child, 'fork', `${thread ? 'thread' : 'process'} ${pid} from ${t.pid}`);
  return pid;
}

const WAIT_VALID = WAIT.WNOHANG | WAIT.WUNTRACED | WAIT.WCONTINUED | 0x20000000 /* __WNOTHREAD */ | WAIT.__WCLONE | WAIT.__WALL;

/** kernel/exit.c: kernel_wait4() / do_wait() / wait_task_zombie(). */
export function sysWait4(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const upid = a.i32(0);
  const statusAddr = a.u(1);
  const options = a.i32(2);
  const ruAddr = a.u(3);
  if (options & ~WAIT_VALID) return -ERRNO.EINVAL;
  if (upid === -2147483648) return -ERRNO.ESRCH; // INT_MIN: -INT_MIN overflows
  const children: Task[] = [];
  for (const th of t.group) for (const c of th.children) children.push(c);
  const match = children.filter((c) => (upid > 0 ? c.pid === upid : true)).filter((c) => {
    // __WCLONE selects "clone" children (exit signal other than SIGCHLD); __WALL both.
    if (options & WAIT.__WALL) return true;
    const isClone = c.exitSignal !== SIG.SIGCHLD;
    return (options & WAIT.__WCLONE) ? isClone : !isClone;
  });
  if (match.length === 0) return -ERRNO.ECHILD;
  const z = match.find((c) => c.state === 'zombie');
  if (z === undefined) return options & WAIT.WNOHANG ? 0 : 'block';
  // wait_task_zombie(): fold the child's usage into ours, free it.
  t.cminFlt += z.minFlt + z.cminFlt;
  t.cmajFlt += z.majFlt + z.cmajFlt;
  t.cmaxrssKb = Math.max(t.cmaxrssKb, z.maxrssKb, z.cmaxrssKb);
  const status = z.exitStatus;
  const ru = ruAddr !== 0 ? rusageBytes(z.utime + cUtime(z), z.stime, Math.max(z.maxrssKb, z.cmaxrssKb), z.minFlt + z.cminFlt, z.majFlt + z.cmajFlt, z.nvcsw, z.nivcsw) : null;
  k.release(z);
  let ret: number = z.pid;
  if (statusAddr !== 0) {
    const b = new Uint8Array(4);
    le32(b, 0, status);
    if (k.straceData) k.straceData.arg![1] = b;
    if (k.copyToUser(statusAddr, b) !== 4) ret = -ERRNO.EFAULT;
  }
  if (ru !== null && ret > 0 && k.copyToUser(ruAddr, ru) !== ru.length) ret = -ERRNO.EFAULT;
  return ret;
}

function cUtime(_t: Task): number {
  return 0;
}

/** struct rusage (x86-64): timevals at 0 and 16, ru_maxrss 32, ru_minflt 64, ru_majflt 72, ru_nvcsw 128, ru_nivcsw 136. */
export function rusageBytes(utime: number, stime: number, maxrssKb: number, minflt: number, majflt: number, nvcsw: number, nivcsw: number): Uint8Array {
  const b = new Uint8Array(144);
  const tv = (o: number, cycles: number) => {
    const usec = Math.floor((cycles * 1_000_000) / CPU_HZ);
    le64(b, o, Math.floor(usec / 1_000_000));
    le64(b, o + 8, usec % 1_000_000);
  };
  tv(0, utime);
  tv(16, stime);
  le64(b, 32, maxrssKb);
  le64(b, 64, minflt);
  le64(b, 72, majflt);
  le64(b, 128, nvcsw);
  le64(b, 136, nivcsw);
  return b;
}

/** kernel/sys.c: getrusage(). */
export function sysGetrusage(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const who = a.i32(0);
  const addr = a.u(1);
  let b: Uint8Array;
  if (who === RUSAGE.RUSAGE_SELF) {
    const leader = t.group.find((x) => x.isLeader) ?? t;
    let ut = 0, st = 0, mn = 0, mj = 0, nv = 0, ni = 0, maxrss = 0;
    for (const th of t.group) {
      if (th.state === 'dead' && th !== leader) continue;
      ut += th.utime; st += th.stime; mn += th.minFlt; mj += th.majFlt; nv += th.nvcsw; ni += th.nivcsw;
      maxrss = Math.max(maxrss, th.maxrssKb);
    }
    if (t.mm !== null) maxrss = Math.max(maxrss, k.mmg.hiwaterRssKb(t.mm));
    b = rusageBytes(ut, st, maxrss, mn, mj, nv, ni);
  } else if (who === RUSAGE.RUSAGE_CHILDREN) {
    b = rusageBytes(0, 0, t.cmaxrssKb, t.cminFlt, t.cmajFlt, 0, 0);
  } else if (who === RUSAGE.RUSAGE_THREAD) {
    const maxrss = t.mm !== null ? k.mmg.hiwaterRssKb(t.mm) : t.maxrssKb;
    b = rusageBytes(t.utime, t.stime, maxrss, t.minFlt, t.majFlt, t.nvcsw, t.nivcsw);
  } else return -ERRNO.EINVAL;
  return k.copyToUser(addr, b) === b.length ? 0 : -ERRNO.EFAULT;
}
