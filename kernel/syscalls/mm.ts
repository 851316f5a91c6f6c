// Memory system calls: thin entries (mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/mlock.c,
// mm/msync.c, mm/mincore.c) handing the raw arguments to kernel/mm, which does Linux's checks.
import type { Kernel } from '../kernel.ts';
import type { Task } from '../task.ts';
import type { SysArgs } from './args.ts';
import type { SyscallResult } from './table.ts';

export function sysMmap(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.mmap(t, a.u(0), a.u(1), a.u32(2), a.u32(3), a.i32(4), a.u(5));
}

export function sysMunmap(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'munmap', a);
}

export function sysMprotect(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'mprotect', a);
}

export function sysBrk(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'brk', a);
}

export function sysMremap(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'mremap', a);
}

export function sysMsync(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'msync', a);
}

export function sysMincore(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'mincore', a);
}

export function sysMadvise(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'madvise', a);
}

export function sysMlock(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'mlock', a);
}

export function sysMunlock(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'munlock', a);
}

export function sysMlockall(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'mlockall', a);
}

export function sysMunlockall(k: Kernel, t: Task, a: SysArgs): SyscallResult {
  return k.mmg.call(t, 'munlockall', a);
}
