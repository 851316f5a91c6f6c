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

/** The mremap system call (do_mremap). Returns the (new) address or -errno. */
export function doMremap(kmm: KernelMm, mm: Mm, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number, acct: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  // check_mremap_params()
  if (flags >= 2 ** 32 || (flags & ~(MREMAP.MREMAP_FIXED | MREMAP.MREMAP_MAYMOVE | MREMAP.MREMAP_DONTUNMAP)) !== 0) return -ERRNO.EINVAL;
  if (addr % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  oldLen = pageAlign(oldLen);
  newLen = pageAlign(newLen);
  if (oldLen > 2 ** 64 - PAGE_SIZE) oldLen = 0; // PAGE_ALIGN() wraps
  if (newLen === 0 || newLen > TASK_SIZE) return -ERRNO.EINVAL;
  const impliesNew = (flags & (MREMAP.MREMAP_FIXED | MREMAP.MREMAP_DONTUNMAP)) !== 0;
  if (impliesNew) {
    if (newAddr > TASK_SIZE - newLen) return -ERRNO.EINVAL;
    if (newAddr % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
    if ((flags & MREMAP.MREMAP_MAYMOVE) === 0) return -ERRNO.EINVAL;
    if ((flags & MREMAP.MREMAP_DONTUNMAP) !== 0 && oldLen !== newLen) return -ERRNO.EINVAL;
    // vrm_overlaps(): the new range must not overlap the old one
    if (addr + oldLen > newAddr && newAddr + newLen > addr) return -ERRNO.EINVAL;
    if (mm.mapCount + 2 >= kmm.maxMapCount - 3) return -ERRNO.ENOMEM;
  }
  // vrm_move_only(): MREMAP_FIXED without a resize moves every VMA of the range (remap_move)
  if ((flags & MREMAP.MREMAP_FIXED) !== 0 && oldLen === newLen) return remapMove(kmm, mm, addr, oldLen, flags, newAddr);
  const vma = mm.vmas.lookup(addr);
  const prep = checkPrepVma(mm, vma, addr, oldLen, newLen, flags);
  if (prep !== 0) return prep;
  let result: number;
  if (impliesNew) {
    result = mremapTo(kmm, mm, vma!, addr, oldLen, newLen, flags, newAddr);
  } else if (newLen === oldLen) {
    return addr; // MREMAP_NO_RESIZE
  } else if (newLen < oldLen) {
    // shrink_vma()
    const e = doVmiMunmap(kmm, mm, addr + newLen, oldLen - newLen);
    return e < 0 ? e : addr;
  } else if (vma!.end - addr === oldLen && vmaExpandable(kmm, mm, vma!, newLen - oldLen)) {
    // expand_vma_in_place(): vma_merge_extend()
    const delta = newLen - oldLen;
    const flagsV = vma!.flags;
    const end = vma!.end;
    const merged = mergeNewRange(kmm, mm, end, end + delta, flagsV, vma!.file, vma!.pgoff + vma!.pages, vma!.anonVma);
    if (merged === null) {
      vma!.end = end + delta;
      mm.vmas.updateBounds(vma!);
    }
    vmStatAccount(mm, flagsV, delta / PAGE_SIZE);
    if ((flagsV & VM_LOCKED) !== 0) mm.lockedVm += delta / PAGE_SIZE;
    result = addr;
  } else {
    if ((flags & MREMAP.MREMAP_MAYMOVE) === 0) return -ERRNO.ENOMEM;
    const na = setNewAddr(kmm, mm, vma!, addr, newLen, 0, false);
    if (na < 0) return na;
    result = moveVma(kmm, mm, vma!, addr, oldLen, na, newLen, false);
  }
  // populate_expand: a locked VMA that grew has the new part faulted in (mm_populate)
  if (result >= 0 && newLen > oldLen && (vma!.flags & VM_LOCKED) !== 0) mmPopulate(kmm, mm, result + oldLen, newLen - oldLen, true, acct);
  return result;
}

/**
 * check_prep_vma(): the checks on the (first) VMA of the old range for a remap that maps something
 * new (a move or an expansion). 0 or -errno.
 */
function checkPrepVma(mm: Mm, vma: Vma | null, addr: number, oldLen: number, newLen: number, flags: number): number {
  if (vma === null) return -ERRNO.EFAULT;
  const impliesNew = (flags & (MREMAP.MREMAP_FIXED | MREMAP.MREMAP_DONTUNMAP)) !== 0;
  if (!impliesNew && newLen <= oldLen) return 0; // !vrm_will_map_new()
  if (oldLen === 0 && (vma.flags & (VM_SHARED | VM_MAYSHARE)) === 0) return -ERRNO.EINVAL;
  if ((flags & MREMAP.MREMAP_DONTUNMAP) !== 0 && (vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) !== 0) return -ERRNO.EINVAL;
  // a shrink (MREMAP_FIXED with a smaller new_len) only needs the part that is kept
  const need = newLen < oldLen ? newLen : oldLen;
  if (need > vma.end - addr) return -ERRNO.EFAULT;
  if (newLen <= oldLen) return 0;
  const delta = newLen - oldLen;
  if ((vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) !== 0) return -ERRNO.EFAULT;
  if (!mlockFutureOk(mm, vma.flags, delta)) return -ERRNO.EAGAIN;
  if (!mayExpandVm(mm, vma.flags, delta / PAGE_SIZE)) return -ERRNO.ENOMEM;
  return 0;
}

/** mremap_to(): MREMAP_FIXED / MREMAP_DONTUNMAP: unmap the target, shrink the source, move. */
function mremapTo(kmm: KernelMm, mm: Mm, vma: Vma, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  const fixed = (flags & MREMAP.MREMAP_FIXED) !== 0;
  if (fixed) {
    const e = doVmiMunmap(kmm, mm, newAddr, newLen);
    if (e < 0) return e;
    const v = mm.vmas.lookup(addr);
    if (v === null) return -ERRNO.EFAULT;
    vma = v;
  }
  if (newLen < oldLen) {
    const e = doVmiMunmap(kmm, mm, addr + newLen, oldLen - newLen);
    if (e < 0) return e;
    oldLen = newLen;
    const v = mm.vmas.lookup(addr);
    if (v === null) return -ERRNO.EFAULT;
    vma = v;
  }
  if ((flags & MREMAP.MREMAP_DONTUNMAP) !== 0 && !mayExpandVm(mm, vma.flags, oldLen / PAGE_SIZE)) return -ERRNO.ENOMEM;
  // vrm_set_new_addr(): new_addr is the address (MREMAP_FIXED) or a hint (MREMAP_DONTUNMAP alone)
  const na = setNewAddr(kmm, mm, vma, addr, newLen, newAddr, fixed);
  if (na < 0) return na;
  return moveVma(kmm, mm, vma, addr, oldLen, na, newLen, (flags & MREMAP.MREMAP_DONTUNMAP) !== 0);
}

/**
 * remap_move() (Linux 6.17+): MREMAP_FIXED with old_len == new_len moves every VMA in
 * [addr, addr+len), split as needed, keeping the gaps between them; a gap at the start is EFAULT.
 * Returns the new address of the first part.
 */
function remapMove(kmm: KernelMm, mm: Mm, start: number, len: number, flags: number, newAddr: number): number {
  const end = start + len;
  let target = newAddr;
  let res = -ERRNO.EFAULT;
  let lastEnd = 0;
  let seen = false;
  let vma = mm.vmas.findIntersection(start, end);
  while (vma !== null && vma.start < end) {
    const addr = Math.max(vma.start, start);
    const plen = Math.min(end, vma.end) - addr;
    if (!seen && start < vma.start) return -ERRNO.EFAULT;
    const offset = seen ? vma.start - lastEnd : 0;
    lastEnd = vma.end;
    const e = checkPrepVma(mm, vma, addr, plen, plen, flags);
    if (e !== 0) return e;
    const r = mremapTo(kmm, mm, vma, addr, plen, plen, flags, target + offset);
    if (r < 0) return r;
    if (!seen) res = r;
    seen = true;
    target = r + plen;
    if (lastEnd >= end) break;
    vma = mm.vmas.findIntersection(lastEnd, end);
  }
  return res;
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
  // vrm_stat_account(): locked_vm grows by new_len before the source is dealt with; the unmap of the
  // source takes its pages off again, but MREMAP_DONTUNMAP only clears VM_LOCKED on the old VMA
  // ("we don't need to touch locked_vm"), so Linux then counts both ranges in VmLck.
  if ((lockedFlags & VM_LOCKED) !== 0) mm.lockedVm += newLen / PAGE_SIZE;
  const hiwaterVm = mm.hiwaterVm;
  if (dontUnmap) {
    // dontunmap_complete(): the old range stays mapped, empty and unlocked
    // VM_LOCKED[ONFAULT] and VM_ACCOUNT go; locked_vm is left as it is (as Linux does)
    const old = mm.vmas.lookup(oldAddr);
    if (old !== null) {
      old.flags &= ~(VM_LOCKED_MASK | VM_ACCOUNT);
      if (old.start === oldAddr && old.end === oldAddr + oldLen && old.isAnonymous()) {
        old.anonVma = null; // unlink_anon_vmas()
        old.anonForked = false;
      }
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
