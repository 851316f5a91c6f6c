// VM accounting (mm/mmap.c vm_stat_account, may_expand_vm; mm/mlock.c mlock_future_ok) and anon_vma_prepare.
import type { Mm } from './mm.ts';
import { AnonVma, type Vma, isExecMapping as isExecMapping_, isStackMapping as isStackMapping_, isDataMapping as isDataMapping_, VM_LOCKED as VM_LOCKED_, VM_READ as VM_READ_, VM_WRITE as VM_WRITE_, VM_EXEC as VM_EXEC_, VM_SOFTDIRTY as VM_SOFTDIRTY_ } from './vma.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const isExecMapping = isExecMapping_;
const isStackMapping = isStackMapping_;
const isDataMapping = isDataMapping_;
const VM_LOCKED = VM_LOCKED_;
const VM_READ = VM_READ_;
const VM_WRITE = VM_WRITE_;
const VM_EXEC = VM_EXEC_;
const VM_SOFTDIRTY = VM_SOFTDIRTY_;

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

/** anon_vma_compatible(a, b): b directly follows a and could share its anon_vma. */
function anonVmaCompatible(a: Vma, b: Vma): boolean {
  return a.end === b.start && a.file === b.file && ((a.flags ^ b.flags) & ~(VM_READ | VM_WRITE | VM_EXEC | VM_SOFTDIRTY)) === 0 &&
    b.pgoff === a.pgoff + (b.start - a.start) / 4096;
}

/** anon_vma_prepare() → find_mergeable_anon_vma(): reuse the next, then the previous VMA's anon_vma. */
export function anonVmaPrepare(vma: Vma): void {
  if (vma.anonVma !== null) return;
  const n = vma.next;
  if (n !== null && n.anonVma !== null && !n.anonForked && anonVmaCompatible(vma, n)) {
    vma.anonVma = n.anonVma;
    vma.anonForked = false;
    return;
  }
  const p = vma.prev;
  if (p !== null && p.anonVma !== null && !p.anonForked && anonVmaCompatible(p, vma)) {
    vma.anonVma = p.anonVma;
    vma.anonForked = false;
    return;
  }
  vma.anonVma = new AnonVma();
  vma.anonForked = false;
}
