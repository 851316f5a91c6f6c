// mlock, munlock, mlockall, munlockall (mm/mlock.c).
import { MCL as MCL_, ERRNO as ERRNO_ } from '../uapi/constants.ts';
import { PTE_P as PTE_P_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { type Vma, PAGE_SIZE as PAGE_SIZE_, TASK_SIZE as TASK_SIZE_, VM_LOCKED as VM_LOCKED_, VM_LOCKONFAULT as VM_LOCKONFAULT_, VM_LOCKED_MASK as VM_LOCKED_MASK_, VM_SPECIAL as VM_SPECIAL_, VM_HUGETLB as VM_HUGETLB_ } from './vma.ts';
import { vmaModifyFlags as vmaModifyFlags_ } from './vma-ops.ts';
import { mmPopulate as mmPopulate_, type FaultAcct } from './fault.ts';
import { walkToPte as walkToPte_, PTE_SPECIAL as PTE_SPECIAL_, entryPfn as entryPfn_ } from './pgtable.ts';
import { PG_MLOCKED as PG_MLOCKED_ } from './frames.ts';
import { COST_VMA_OP as COST_VMA_OP_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const vmaModifyFlags = vmaModifyFlags_;
const mmPopulate = mmPopulate_;
const walkToPte = walkToPte_;
const entryPfn = entryPfn_;
const MCL = MCL_;
const ERRNO = ERRNO_;
const PTE_P = PTE_P_;
const PAGE_SIZE = PAGE_SIZE_;
const TASK_SIZE = TASK_SIZE_;
const VM_LOCKED = VM_LOCKED_;
const VM_LOCKONFAULT = VM_LOCKONFAULT_;
const VM_LOCKED_MASK = VM_LOCKED_MASK_;
const VM_SPECIAL = VM_SPECIAL_;
const VM_HUGETLB = VM_HUGETLB_;
const PTE_SPECIAL = PTE_SPECIAL_;
const PG_MLOCKED = PG_MLOCKED_;
const COST_VMA_OP = COST_VMA_OP_;

/** The mlock system call (flags 0) / mlock2 (MLOCK_ONFAULT = 1). */
export function doMlock(kmm: KernelMm, mm: Mm, start: number, len: number, flags: number, acct: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  if ((flags & ~1) !== 0) return -ERRNO.EINVAL;
  const vmFlags = VM_LOCKED | ((flags & 1) !== 0 ? VM_LOCKONFAULT : 0);
  len = Math.ceil((len + (start % PAGE_SIZE)) / PAGE_SIZE) * PAGE_SIZE;
  if (len >= 2 ** 64) len = 0; // PAGE_ALIGN() wraps to 0: apply_vma_lock_flags() has nothing to do
  start -= start % PAGE_SIZE;
  let locked = len / PAGE_SIZE + mm.lockedVm;
  const lockLimit = Math.floor(mm.rlimMemlock / PAGE_SIZE);
  if (locked > lockLimit && !mm.capIpcLock) locked -= countMlockedPages(mm, start, len);
  if (locked > lockLimit && !mm.capIpcLock) return -ERRNO.ENOMEM;
  const err = applyVmaLockFlags(kmm, mm, start, len, vmFlags);
  if (err !== 0) return err;
  const r = mmPopulate(kmm, mm, start, len, false, acct);
  // __mlock_posix_error_return()
  if (r === -ERRNO.EFAULT) return -ERRNO.ENOMEM;
  if (r === -ERRNO.ENOMEM) return -ERRNO.EAGAIN;
  return r;
}

/** The munlock system call. */
export function doMunlock(kmm: KernelMm, mm: Mm, start: number, len: number): number {
  kmm.charge(COST_VMA_OP);
  len = Math.ceil((len + (start % PAGE_SIZE)) / PAGE_SIZE) * PAGE_SIZE;
  if (len >= 2 ** 64) len = 0; // PAGE_ALIGN() wraps to 0: apply_vma_lock_flags() has nothing to do
  start -= start % PAGE_SIZE;
  return applyVmaLockFlags(kmm, mm, start, len, 0);
}

function countMlockedPages(mm: Mm, start: number, len: number): number {
  let n = 0;
  const end = start + len;
  for (let v = mm.vmas.findIntersection(start, end); v !== null && v.start < end; v = v.next) {
    if ((v.flags & VM_LOCKED) !== 0) n += (Math.min(end, v.end) - Math.max(start, v.start)) / PAGE_SIZE;
  }
  return n;
}

/** apply_vma_lock_flags(). */
function applyVmaLockFlags(kmm: KernelMm, mm: Mm, start: number, len: number, flags: number): number {
  const end = start + len;
  if (end >= 2 ** 64) return -ERRNO.EINVAL;
  if (end === start) return 0;
  let vma = mm.vmas.lookup(start);
  if (vma === null) return -ERRNO.ENOMEM;
  let nstart = start;
  let tmp = vma.start;
  while (vma !== null && vma.start < end) {
    if (vma.start !== tmp) return -ERRNO.ENOMEM;
    const newflags = (vma.flags & ~VM_LOCKED_MASK) | flags;
    tmp = Math.min(vma.end, end);
    const r = mlockFixup(kmm, vma, nstart, tmp, newflags);
    if (typeof r === 'number') return r;
    tmp = r.end;
    nstart = tmp;
    vma = r.next;
  }
  if (tmp < end) return -ERRNO.ENOMEM;
  return 0;
}

/** mlock_fixup(). */
function mlockFixup(kmm: KernelMm, vma: Vma, start: number, end: number, newflags: number): Vma | number {
  const mm = vma.mm;
  const oldflags = vma.flags;
  if (newflags === oldflags || (oldflags & (VM_SPECIAL | VM_HUGETLB)) !== 0) return vma;
  const r = vmaModifyFlags(kmm, vma, start, end, newflags);
  if (typeof r === 'number') return r;
  let nr = (end - start) / PAGE_SIZE;
  if ((newflags & VM_LOCKED) === 0) nr = -nr;
  else if ((oldflags & VM_LOCKED) !== 0) nr = 0;
  mm.lockedVm += nr;
  r.flags = newflags;
  if (!((newflags & VM_LOCKED) !== 0 && (oldflags & VM_LOCKED) !== 0)) mlockVmaPages(kmm, r, start, end, (newflags & VM_LOCKED) !== 0);
  return r;
}

/** mlock_vma_pages_range(): (un)mark the mapped pages mlocked. */
function mlockVmaPages(kmm: KernelMm, vma: Vma, start: number, end: number, lock: boolean): void {
  const phys = kmm.phys;
  const fr = kmm.frames;
  for (let a = start; a < end; a += PAGE_SIZE) {
    const ea = walkToPte(phys, vma.mm.pgd, a);
    if (ea < 0) continue;
    const lo = phys.read32(ea);
    if ((lo & PTE_P) === 0 || (lo & PTE_SPECIAL) !== 0) continue;
    const pfn = entryPfn(lo, phys.read32(ea + 4));
    if (lock) fr.flags[pfn] |= PG_MLOCKED;
    else fr.flags[pfn] &= ~PG_MLOCKED;
  }
}

/** The mlockall system call. */
export function doMlockall(kmm: KernelMm, mm: Mm, flags: number, acct: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  if (flags === 0 || (flags & ~(MCL.MCL_CURRENT | MCL.MCL_FUTURE | MCL.MCL_ONFAULT)) !== 0 || flags === MCL.MCL_ONFAULT) return -ERRNO.EINVAL;
  const lockLimit = Math.floor(mm.rlimMemlock / PAGE_SIZE);
  if ((flags & MCL.MCL_CURRENT) !== 0 && mm.totalVm > lockLimit && !mm.capIpcLock) return -ERRNO.ENOMEM;
  applyMlockallFlags(kmm, mm, flags);
  if ((flags & MCL.MCL_CURRENT) !== 0) mmPopulate(kmm, mm, 0, TASK_SIZE, true, acct);
  return 0;
}

/** The munlockall system call. */
export function doMunlockall(kmm: KernelMm, mm: Mm): number {
  kmm.charge(COST_VMA_OP);
  applyMlockallFlags(kmm, mm, 0);
  return 0;
}

function applyMlockallFlags(kmm: KernelMm, mm: Mm, flags: number): void {
  mm.defFlags &= ~VM_LOCKED_MASK;
  let toAdd = 0;
  if ((flags & MCL.MCL_FUTURE) !== 0) {
    mm.defFlags |= VM_LOCKED;
    if ((flags & MCL.MCL_ONFAULT) !== 0) mm.defFlags |= VM_LOCKONFAULT;
    if ((flags & MCL.MCL_CURRENT) === 0) return;
  }
  if ((flags & MCL.MCL_CURRENT) !== 0) {
    toAdd |= VM_LOCKED;
    if ((flags & MCL.MCL_ONFAULT) !== 0) toAdd |= VM_LOCKONFAULT;
  }
  let vma = mm.vmas.first;
  while (vma !== null) {
    const newflags = (vma.flags & ~VM_LOCKED_MASK) | toAdd;
    const r = mlockFixup(kmm, vma, vma.start, vma.end, newflags);
    vma = typeof r === 'number' ? vma.next : r.next;
  }
}
