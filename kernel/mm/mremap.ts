// mremap (mm/mremap.c): shrink in place, expand in place (vma_expandable), or move (copy_vma +
// move_page_tables) with MREMAP_MAYMOVE / MREMAP_FIXED / MREMAP_DONTUNMAP.
import { MREMAP as MREMAP_, MAP as MAP_, ERRNO as ERRNO_ } from '../uapi/constants.ts';
import { PTE_P as PTE_P_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { Vma, PAGE_SIZE as PAGE_SIZE_, TASK_SIZE as TASK_SIZE_, VM_ACCOUNT as VM_ACCOUNT_, VM_SHARED as VM_SHARED_, VM_MAYSHARE as VM_MAYSHARE_, VM_LOCKED as VM_LOCKED_, VM_LOCKED_MASK as VM_LOCKED_MASK_, VM_DONTEXPAND as VM_DONTEXPAND_, VM_PFNMAP as VM_PFNMAP_, pageAlign as pageAlign_ } from './vma.ts';
import { linkVma as linkVma_, mergeNewRange as mergeNewRange_, dupVma as dupVma_ } from './vma-ops.ts';
import { doVmiMunmap as doVmiMunmap_, getUnmappedArea as getUnmappedArea_ } from './mmap.ts';
import { vmStatAccount as vmStatAccount_, mayExpandVm as mayExpandVm_, mlockFutureOk as mlockFutureOk_ } from './account.ts';
import { mmPopulate as mmPopulate_, type FaultAcct } from './fault.ts';
import { PTE_PROTNONE as PTE_PROTNONE_, allocToPte as allocToPte_, walkToPte as walkToPte_, clearEntry as clearEntry_ } from './pgtable.ts';
import { flushTlbRange as flushTlbRange_ } from './tlb.ts';
import { freePgtables as freePgtables_ } from './memory.ts';
import { COST_PER_PTE as COST_PER_PTE_, COST_VMA_OP as COST_VMA_OP_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const pageAlign = pageAlign_;
const linkVma = linkVma_;
const mergeNewRange = mergeNewRange_;
const dupVma = dupVma_;
const doVmiMunmap = doVmiMunmap_;
const getUnmappedArea = getUnmappedArea_;
const vmStatAccount = vmStatAccount_;
const mayExpandVm = mayExpandVm_;
const mlockFutureOk = mlockFutureOk_;
const mmPopulate = mmPopulate_;
const allocToPte = allocToPte_;
const walkToPte = walkToPte_;
const clearEntry = clearEntry_;
const flushTlbRange = flushTlbRange_;
const freePgtables = freePgtables_;
const MREMAP = MREMAP_;
const MAP = MAP_;
const ERRNO = ERRNO_;
const PTE_P = PTE_P_;
const PAGE_SIZE = PAGE_SIZE_;
const TASK_SIZE = TASK_SIZE_;
const VM_ACCOUNT = VM_ACCOUNT_;
const VM_SHARED = VM_SHARED_;
const VM_MAYSHARE = VM_MAYSHARE_;
const VM_LOCKED = VM_LOCKED_;
const VM_LOCKED_MASK = VM_LOCKED_MASK_;
const VM_DONTEXPAND = VM_DONTEXPAND_;
const VM_PFNMAP = VM_PFNMAP_;
const PTE_PROTNONE = PTE_PROTNONE_;
const COST_PER_PTE = COST_PER_PTE_;
const COST_VMA_OP = COST_VMA_OP_;

/** The mremap system call. Returns the (new) address or -errno. */
export function doMremap(kmm: KernelMm, mm: Mm, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number, acct: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  // check_mremap_params()
  if ((flags & ~(MREMAP.MREMAP_FIXED | MREMAP.MREMAP_MAYMOVE | MREMAP.MREMAP_DONTUNMAP)) !== 0) return -ERRNO.EINVAL;
  if (addr % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  oldLen = pageAlign(oldLen);
  newLen = pageAlign(newLen);
  if (newLen === 0 || newLen > 2 ** 64 - PAGE_SIZE) return -ERRNO.EINVAL;
  const impliesNew = (flags & (MREMAP.MREMAP_FIXED | MREMAP.MREMAP_DONTUNMAP)) !== 0;
  if (impliesNew) {
    if (newAddr % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
    if ((flags & MREMAP.MREMAP_MAYMOVE) === 0) return -ERRNO.EINVAL;
    if ((flags & MREMAP.MREMAP_DONTUNMAP) !== 0 && oldLen !== newLen) return -ERRNO.EINVAL;
    if ((flags & MREMAP.MREMAP_FIXED) !== 0) {
      if (newLen > TASK_SIZE || newAddr > TASK_SIZE - newLen) return -ERRNO.EINVAL;
      // the new range must not overlap the old one
      if (newAddr < addr + oldLen && addr < newAddr + newLen) return -ERRNO.EINVAL;
    }
    if (mm.mapCount + 2 >= kmm.maxMapCount - 3) return -ERRNO.ENOMEM;
  }
  let vma = mm.vmas.lookup(addr);
  if (vma === null) return -ERRNO.EFAULT;
  const delta = newLen - oldLen;
  // check_prep_vma() for the cases that map something new
  const willMapNew = impliesNew || newLen > oldLen;
  if (willMapNew) {
    if (oldLen === 0 && (vma.flags & (VM_SHARED | VM_MAYSHARE)) === 0) return -ERRNO.EINVAL;
    if ((flags & MREMAP.MREMAP_DONTUNMAP) !== 0 && (vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) !== 0) return -ERRNO.EINVAL;
    if (oldLen > vma.end - addr) return -ERRNO.EFAULT;
    if (newLen !== oldLen) {
      if ((vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) !== 0) return -ERRNO.EFAULT;
      if (delta > 0 && !mlockFutureOk(mm, vma.flags, delta)) return -ERRNO.EAGAIN;
      if (delta > 0 && !mayExpandVm(mm, vma.flags, delta / PAGE_SIZE)) return -ERRNO.ENOMEM;
    }
  }
  let result: number;
  let populateFrom = -1;
  if (impliesNew) {
    // mremap_to()
    if ((flags & MREMAP.MREMAP_FIXED) !== 0) {
      const e = doVmiMunmap(kmm, mm, newAddr, newLen);
      if (e < 0) return e;
      vma = mm.vmas.lookup(addr);
      if (vma === null) return -ERRNO.EFAULT;
    }
    if (newLen < oldLen) {
      const e = doVmiMunmap(kmm, mm, addr + newLen, oldLen - newLen);
      if (e < 0) return e;
      oldLen = newLen;
      vma = mm.vmas.lookup(addr)!;
    }
    if ((flags & MREMAP.MREMAP_DONTUNMAP) !== 0 && !mayExpandVm(mm, vma.flags, oldLen / PAGE_SIZE)) return -ERRNO.ENOMEM;
    const na = setNewAddr(kmm, mm, vma, addr, newLen, (flags & MREMAP.MREMAP_FIXED) !== 0 ? newAddr : 0, (flags & MREMAP.MREMAP_FIXED) !== 0);
    if (na < 0) return na;
    result = moveVma(kmm, mm, vma, addr, oldLen, na, newLen, (flags & MREMAP.MREMAP_DONTUNMAP) !== 0);
    if (result >= 0 && (vma.flags & VM_LOCKED) !== 0 && newLen > oldLen) populateFrom = result + oldLen;
  } else if (newLen === oldLen) {
    return addr;
  } else if (newLen < oldLen) {
    const e = doVmiMunmap(kmm, mm, addr + newLen, oldLen - newLen);
    return e < 0 ? e : addr;
  } else if (vma.end - addr === oldLen && vmaExpandable(kmm, mm, vma, delta)) {
    // expand_vma_in_place(): vma_merge_extend()
    const flagsV = vma.flags;
    const end = vma.end;
    const merged = mergeNewRange(kmm, mm, end, end + delta, flagsV, vma.file, vma.pgoff + vma.pages, vma.anonVma);
    if (merged === null) {
      vma.end = end + delta;
      mm.vmas.updateBounds(vma);
    }
    vmStatAccount(mm, flagsV, delta / PAGE_SIZE);
    if ((flagsV & VM_LOCKED) !== 0) {
      mm.lockedVm += delta / PAGE_SIZE;
      populateFrom = addr + oldLen;
    }
    result = addr;
  } else {
    if ((flags & MREMAP.MREMAP_MAYMOVE) === 0) return -ERRNO.ENOMEM;
    const na = setNewAddr(kmm, mm, vma, addr, newLen, 0, false);
    if (na < 0) return na;
    result = moveVma(kmm, mm, vma, addr, oldLen, na, newLen, false);
    if (result >= 0 && (vma.flags & VM_LOCKED) !== 0) populateFrom = result + oldLen;
  }
  if (populateFrom >= 0 && result >= 0) mmPopulate(kmm, mm, populateFrom, newLen - oldLen, true, acct);
  return result;
}

/** vma_expandable(). */
function vmaExpandable(kmm: KernelMm, mm: Mm, vma: Vma, delta: number): boolean {
  const end = vma.end + delta;
  if (mm.vmas.findIntersection(vma.end, end) !== null) return false;
  const r = getUnmappedArea(kmm, mm, null, vma.start, end - vma.start, 0, MAP.MAP_FIXED);
  return r >= 0 && r % PAGE_SIZE === 0;
}

/** vrm_set_new_addr(): get_unmapped_area for the moved mapping. */
function setNewAddr(kmm: KernelMm, mm: Mm, vma: Vma, addr: number, newLen: number, newAddr: number, fixed: boolean): number {
  const pgoff = vma.pgoff + (addr - vma.start) / PAGE_SIZE;
  let mapFlags = fixed ? MAP.MAP_FIXED : 0;
  if ((vma.flags & VM_MAYSHARE) !== 0) mapFlags |= MAP.MAP_SHARED;
  return getUnmappedArea(kmm, mm, vma.file, newAddr, newLen, pgoff, mapFlags);
}

/**
 * move_vma(): copy_vma() to the new range (merging where possible), move_page_tables(), then
 * unmap the source (or keep it empty with MREMAP_DONTUNMAP).
 */
function moveVma(kmm: KernelMm, mm: Mm, vma: Vma, oldAddr: number, oldLen: number, newAddr: number, newLen: number, dontUnmap: boolean): number {
  if (mm.mapCount >= kmm.maxMapCount - 3) return -ERRNO.ENOMEM;
  let newPgoff = vma.pgoff + (oldAddr - vma.start) / PAGE_SIZE;
  if (vma.isAnonymous() && vma.anonVma === null) newPgoff = newAddr / PAGE_SIZE;
  // copy_vma()
  let nv: Vma | null = mergeNewRange(kmm, mm, newAddr, newAddr + newLen, vma.flags, vma.file, newPgoff, vma.anonVma, vma);
  if (nv === null) {
    nv = dupVma(vma);
    nv.start = newAddr;
    nv.end = newAddr + newLen;
    nv.pgoff = newPgoff;
    linkVma(mm, nv);
  }
  // move_page_tables()
  const moveLen = Math.min(oldLen, newLen);
  movePageTables(kmm, mm, oldAddr, newAddr, moveLen);
  const lockedFlags = vma.flags;
  vmStatAccount(mm, lockedFlags, newLen / PAGE_SIZE);
  // The lock moves with the pages: the unmap of the source takes its pages off locked_vm; with
  // MREMAP_DONTUNMAP nothing is unmapped, so locked_vm is left alone ("we don't need to touch locked_vm").
  if ((lockedFlags & VM_LOCKED) !== 0 && !dontUnmap) mm.lockedVm += newLen / PAGE_SIZE;
  const hiwaterVm = mm.hiwaterVm;
  if (dontUnmap) {
    // dontunmap_complete(): the old range stays mapped, empty and unlocked
    // VM_LOCKED[ONFAULT] and VM_ACCOUNT go; locked_vm is left as it is (as Linux does)
    const old = mm.vmas.lookup(oldAddr);
    if (old !== null) {
      old.flags &= ~(VM_LOCKED_MASK | VM_ACCOUNT);
      if (old.start === oldAddr && old.end === oldAddr + oldLen && old.isAnonymous()) old.anonVma = null;
    }
  } else {
    doVmiMunmap(kmm, mm, oldAddr, oldLen);
  }
  mm.hiwaterVm = hiwaterVm;
  return newAddr;
}

/** move_page_tables(): moves the PTEs of [oldAddr, oldAddr+len) to newAddr (frames, counts unchanged). */
function movePageTables(kmm: KernelMm, mm: Mm, oldAddr: number, newAddr: number, len: number): void {
  const phys = kmm.phys;
  let moved = false;
  for (let off = 0; off < len; off += PAGE_SIZE) {
    const src = walkToPte(phys, mm.pgd, oldAddr + off);
    if (src < 0) continue;
    const lo = phys.read32(src);
    if ((lo & (PTE_P | PTE_PROTNONE)) === 0) continue;
    const hi = phys.read32(src + 4);
    const dst = allocToPte(kmm.frames, phys, mm.pgd, newAddr + off, mm);
    if (dst < 0) break;
    clearEntry(phys, src);
    phys.write64(dst, lo, hi);
    moved = true;
  }
  kmm.charge(COST_PER_PTE * (len / PAGE_SIZE));
  if (moved) flushTlbRange(kmm, mm, oldAddr, oldAddr + len);
  void freePgtables;
}
