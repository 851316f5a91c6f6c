// The system-call table (arch/x86/entry/syscalls/syscall_64.tbl): every call of docs/t64.md.
import type { Kernel } from '../kernel.ts';
import type { Task } from '../task.ts';
import type { SysArgs } from './args.ts';
import { SYSCALLS } from '../uapi/constants.ts';
import * as proc from './process.ts';
import * as sig from './signal.ts';
import * as fs from './fs.ts';
import * as mem from './mm.ts';

/**
 * A handler's result: the value for r0 (number or bigint; -errno for errors), or
 * 'block' (the task sleeps; the call is re-run when it is woken), 'noreturn' (the task exited),
 * 'keep' (r0 was already set, e.g. by rt_sigreturn).
 */
export type SyscallResult = number | bigint | 'block' | 'noreturn' | 'keep';
export type SyscallHandler = (k: Kernel, t: Task, a: SysArgs) => SyscallResult;

export const SYSCALL_TABLE: SyscallHandler[] = [];
const def = (nr: number, h: SyscallHandler) => {
  SYSCALL_TABLE[nr] = h;
};

def(SYSCALLS.read, fs.sysRead);
def(SYSCALLS.write, fs.sysWrite);
def(SYSCALLS.open, fs.sysOpen);
def(SYSCALLS.close, fs.sysClose);
def(SYSCALLS.lseek, fs.sysLseek);
def(SYSCALLS.pread64, fs.sysPread64);
def(SYSCALLS.pwrite64, fs.sysPwrite64);
def(SYSCALLS.fsync, fs.sysFsync);
def(SYSCALLS.ftruncate, fs.sysFtruncate);
def(SYSCALLS.mmap, mem.sysMmap);
def(SYSCALLS.mprotect, mem.sysMprotect);
def(SYSCALLS.munmap, mem.sysMunmap);
def(SYSCALLS.brk, mem.sysBrk);
def(SYSCALLS.mremap, mem.sysMremap);
def(SYSCALLS.msync, mem.sysMsync);
def(SYSCALLS.mincore, mem.sysMincore);
def(SYSCALLS.madvise, mem.sysMadvise);
def(SYSCALLS.mlock, mem.sysMlock);
def(SYSCALLS.munlock, mem.sysMunlock);
def(SYSCALLS.mlockall, mem.sysMlockall);
def(SYSCALLS.munlockall, mem.sysMunlockall);
def(SYSCALLS.rt_sigaction, sig.sysRtSigaction);
def(SYSCALLS.rt_sigreturn, sig.sysRtSigreturn);
def(SYSCALLS.kill, sig.sysKill);
def(SYSCALLS.sched_yield, proc.sysSchedYield);
def(SYSCALLS.getpid, proc.sysGetpid);
def(SYSCALLS.getppid, proc.sysGetppid);
def(SYSCALLS.gettid, proc.sysGettid);
def(SYSCALLS.clone, proc.sysClone);
def(SYSCALLS.fork, proc.sysFork);
def(SYSCALLS.exit, proc.sysExit);
def(SYSCALLS.exit_group, proc.sysExitGroup);
def(SYSCALLS.wait4, proc.sysWait4);
def(SYSCALLS.getrusage, proc.sysGetrusage);
