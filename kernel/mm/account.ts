// VM accounting (mm/mmap.c vm_stat_account, may_expand_vm; mm/mlock.c mlock_future_ok) and anon_vma_prepare.
import type { Mm } from './mm.ts';
import { AnonVma, type Vma, isExecMapping as isExecMapping_, isStackMapping as isStackMapping_, isDataMapping as isDataMapping_, VM_LOCKED as VM_LOCKED_ } from './vma.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const isExecMapping = isExecMapping_;
const isStackMapping = isStackMapping_;
const isDataMapping = isDataMapping_;
const VM_LOCKED = VM_LOCKED_;

/** vm_stat_account(). */
export function vmStatAccount(mm: Mm, flags: number, npages: number): void {
  if (npages < 0) mm.updateHiwaterVm();
  mm.totalVm += npages;
  if (isExecMapping(flags)) mm.execVm += npages;
  else if (isStackMapping(flags)) mm.stackVm += npages;
  else if (isDataMapping(flags)) mm.dataVm += npages;
}

/** may_expand_vm(): RLIMIT_AS and RLIMIT_DATA. */
export function mayExpandVm(mm: Mm, flags: number, npages: number): boolean {
  if ((mm.totalVm + npages) * 4096 > mm.rlimAs) return false;
  if (isDataMapping(flags) && (mm.dataVm + npages) * 4096 > mm.rlimData) return false;
  return true;
}

/** mlock_future_ok(): RLIMIT_MEMLOCK unless CAP_IPC_LOCK. */
export function mlockFutureOk(mm: Mm, flags: number, bytes: number): boolean {
  if ((flags & VM_LOCKED) === 0 || mm.capIpcLock) return true;
  return mm.lockedVm * 4096 + bytes <= mm.rlimMemlock;
}

/** anon_vma_prepare(). */
export function anonVmaPrepare(vma: Vma): void {
  if (vma.anonVma === null) {
    // find_mergeable_anon_vma(): reuse a compatible neighbour's anon_vma
    const n = vma.next;
    const p = vma.prev;
    if (p !== null && p.anonVma !== null && p.end === vma.start && p.file === null && vma.file === null) vma.anonVma = p.anonVma;
    else if (n !== null && n.anonVma !== null && n.start === vma.end && n.file === null && vma.file === null) vma.anonVma = n.anonVma;
    else vma.anonVma = new AnonVma();
  }
}
