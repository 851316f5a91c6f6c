// Signal system calls: kernel/signal.c (rt_sigaction, kill), arch/x86/kernel/signal_64.c (rt_sigreturn).
import type { Kernel } from '../kernel.ts';
import type { Task } from '../task.ts';
import type { SysArgs } from './args.ts';
import type { SyscallResult } from './table.ts';
import { ERRNO, SIG, SI_CODES } from '../uapi/constants.ts';
import { le64, rdle64 } from '../uaccess.ts';
import { defaultAction } from '../signal-defs.ts';
import { UC_SIZE, restoreUcontext } from '../signal-frame.ts';
import { renderSigaction } from '../strace.ts';

const SIGBIT = (sig: number) => 1n << BigInt(sig - 1);
const UNBLOCKABLE = SIGBIT(SIG.SIGKILL) | SIGBIT(SIG.SIGSTOP);

/** rt_sigaction(sig, act, oact, sigsetsize): struct sigaction { handler, flags, restorer, mask }. */
export function sysRtSigaction(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const sig = a.i32(0);
  const actAddr = a.u(1);
  const oactAddr = a.u(2);
  if (a.u(3) !== 8) return -ERRNO.EINVAL;
  let newAct: { handler: bigint; flags: bigint; restorer: bigint; mask: bigint } | null = null;
  if (actAddr !== 0) {
    const b = k.copyFromUser(actAddr, 32);
    if (b === null) return -ERRNO.EFAULT;
    newAct = { handler: rdle64(b, 0), flags: rdle64(b, 8), restorer: rdle64(b, 16), mask: rdle64(b, 24) & ~UNBLOCKABLE };
    if (k.straceData) (k.straceData.text ??= {})[1] = renderSigaction(newAct.handler, newAct.flags, newAct.restorer, newAct.mask);
  }
  // do_sigaction()
  if (sig < 1 || sig > 64 || (newAct !== null && (sig === SIG.SIGKILL || sig === SIG.SIGSTOP))) return -ERRNO.EINVAL;
  const cur = t.sighand.action[sig];
  const old = { ...cur };
  if (newAct !== null) {
    Object.assign(cur, newAct);
    // Setting SIG_IGN (or SIG_DFL of an ignore-by-default signal) discards it where pending.
    if (newAct.handler === 1n || (newAct.handler === 0n && defaultAction(sig) === 'ignore'))
      for (const th of t.group) th.pending = th.pending.filter((p) => p.sig !== sig || p.forced);
  }
  if (oactAddr !== 0) {
    if (k.straceData) (k.straceData.text ??= {})[2] = renderSigaction(old.handler, old.flags, old.restorer, old.mask);
    const b = new Uint8Array(32);
    le64(b, 0, old.handler);
    le64(b, 8, old.flags);
    le64(b, 16, old.restorer);
    le64(b, 24, old.mask);
    if (k.copyToUser(oactAddr, b) !== 32) return -ERRNO.EFAULT;
  }
  return 0;
}

/** rt_sigreturn(): restores the context saved by the frame; a bad frame is SIGSEGV. */
export function sysRtSigreturn(k: Kernel, t: Task): SyscallResult {
  const sp = t.regHi[15] * 0x100000000 + t.regLo[15];
  const uc = k.copyFromUser(sp, UC_SIZE);
  if (uc === null) {
    k.forceSig(t, SIG.SIGSEGV, SI_CODES.SI_KERNEL, 0n);
    return 'keep';
  }
  const blocked = restoreUcontext(uc, t);
  t.blocked = blocked & ~UNBLOCKABLE;
  return 'keep';
}

/** kill(pid, sig): kernel/signal.c: kill_something_info(). */
export function sysKill(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  const pid = a.i32(0);
  const sig = a.i32(1);
  if (sig < 0 || sig > 64) return -ERRNO.EINVAL;
  const processes = [...k.tasks.values()].filter((x) => x.isLeader && x.alive);
  let targets: Task[];
  if (pid > 0) {
    const x = k.tasks.get(pid);
    if (x === undefined || !x.alive) return -ERRNO.ESRCH;
    targets = [x.group.find((y) => y.isLeader && y.alive) ?? x];
  } else if (pid === -1) {
    // Every process but init and the caller.
    targets = processes.filter((x) => x.tgid !== 1 && x.tgid !== t.tgid);
    if (targets.length === 0) return -ERRNO.ESRCH;
  } else {
    // pid 0 or -pgrp: one process group, led by the first program, holds every process of the run.
    const leaderPgid = k.init?.tgid ?? t.tgid;
    const pgrp = pid === 0 ? leaderPgid : -pid;
    if (pgrp !== leaderPgid) return -ERRNO.ESRCH;
    targets = processes;
  }
  if (sig === 0) return 0;
  for (const x of targets) k.sendSignal(x, sig, SI_CODES.SI_USER, t.tgid);
  return 0;
}
