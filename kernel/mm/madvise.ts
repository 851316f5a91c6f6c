// madvise (mm/madvise.c): the advice that changes VMA flags (split/merge), DONTNEED/FREE, REMOVE,
// WILLNEED, COLD/PAGEOUT and MADV_POPULATE_READ/WRITE.
import { MADV as MADV_, ERRNO as ERRNO_ } from '../uapi/constants.ts';
import { PTE_P as PTE_P_, PTE_RW as PTE_RW_, PTE_D as PTE_D_, PTE_A as PTE_A_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { type Vma, PAGE_SIZE as PAGE_SIZE_, VM_RAND_READ as VM_RAND_READ_, VM_SEQ_READ as VM_SEQ_READ_, VM_DONTCOPY as VM_DONTCOPY_, VM_IO as VM_IO_, VM_WIPEONFORK as VM_WIPEONFORK_, VM_DONTDUMP as VM_DONTDUMP_, VM_SPECIAL as VM_SPECIAL_, VM_LOCKED as VM_LOCKED_, VM_PFNMAP as VM_PFNMAP_, VM_HUGEPAGE as VM_HUGEPAGE_, VM_NOHUGEPAGE as VM_NOHUGEPAGE_, VM_SHARED as VM_SHARED_, VM_MAYSHARE as VM_MAYSHARE_, VM_MAYWRITE as VM_MAYWRITE_, VM_HUGETLB as VM_HUGETLB_, VM_WRITE as VM_WRITE_, VM_READ as VM_READ_, VM_MIXEDMAP as VM_MIXEDMAP_, pageAlign as pageAlign_ } from './vma.ts';
import { vmaModifyFlags as vmaModifyFlags_ } from './vma-ops.ts';
import { zapRange as zapRange_ } from './memory.ts';
import { doHandleMmFault as doHandleMmFault_, followPageTouch as followPageTouch_, FAULT_GUP_LOCKED as FAULT_GUP_LOCKED_, VM_FAULT_ERROR as VM_FAULT_ERROR_, VM_FAULT_OOM as VM_FAULT_OOM_, VM_FAULT_MAJOR as VM_FAULT_MAJOR_, type FaultAcct } from './fault.ts';
import { walkToPte as walkToPte_, PTE_SPECIAL as PTE_SPECIAL_, entryPfn as entryPfn_ } from './pgtable.ts';
import { PG_ANON as PG_ANON_, PG_SWAPBACKED as PG_SWAPBACKED_, PG_DIRTY as PG_DIRTY_ } from './frames.ts';
import { flushTlbPage as flushTlbPage_ } from './tlb.ts';
import { shrinkPageCache as shrinkPageCache_ } from './reclaim.ts';
import { COST_VMA_OP as COST_VMA_OP_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const pageAlign = pageAlign_;
const vmaModifyFlags = vmaModifyFlags_;
const zapRange = zapRange_;
const doHandleMmFault = doHandleMmFault_;
const followPageTouch = followPageTouch_;
const FAULT_GUP_LOCKED = FAULT_GUP_LOCKED_;
const walkToPte = walkToPte_;
const entryPfn = entryPfn_;
const flushTlbPage = flushTlbPage_;
const shrinkPageCache = shrinkPageCache_;
const MADV = MADV_;
const ERRNO = ERRNO_;
const PTE_P = PTE_P_;
const PTE_RW = PTE_RW_;
const PTE_D = PTE_D_;
const PTE_A = PTE_A_;
const PAGE_SIZE = PAGE_SIZE_;
const VM_RAND_READ = VM_RAND_READ_;
const VM_SEQ_READ = VM_SEQ_READ_;
const VM_DONTCOPY = VM_DONTCOPY_;
const VM_IO = VM_IO_;
const VM_WIPEONFORK = VM_WIPEONFORK_;
const VM_DONTDUMP = VM_DONTDUMP_;
const VM_SPECIAL = VM_SPECIAL_;
const VM_LOCKED = VM_LOCKED_;
const VM_PFNMAP = VM_PFNMAP_;
const VM_HUGEPAGE = VM_HUGEPAGE_;
const VM_NOHUGEPAGE = VM_NOHUGEPAGE_;
const VM_SHARED = VM_SHARED_;
const VM_MAYSHARE = VM_MAYSHARE_;
const VM_MAYWRITE = VM_MAYWRITE_;
const VM_HUGETLB = VM_HUGETLB_;
const VM_WRITE = VM_WRITE_;
const VM_READ = VM_READ_;
const VM_MIXEDMAP = VM_MIXEDMAP_;
const VM_FAULT_ERROR = VM_FAULT_ERROR_;
const VM_FAULT_OOM = VM_FAULT_OOM_;
const VM_FAULT_MAJOR = VM_FAULT_MAJOR_;
const PTE_SPECIAL = PTE_SPECIAL_;
const PG_ANON = PG_ANON_;
const PG_SWAPBACKED = PG_SWAPBACKED_;
const PG_DIRTY = PG_DIRTY_;
const COST_VMA_OP = COST_VMA_OP_;

const VALID = new Set<number>([
  MADV.MADV_NORMAL, MADV.MADV_RANDOM, MADV.MADV_SEQUENTIAL, MADV.MADV_WILLNEED, MADV.MADV_DONTNEED, MADV.MADV_FREE,
  MADV.MADV_REMOVE, MADV.MADV_DONTFORK, MADV.MADV_DOFORK, MADV.MADV_MERGEABLE, MADV.MADV_UNMERGEABLE,
  MADV.MADV_HUGEPAGE, MADV.MADV_NOHUGEPAGE, MADV.MADV_DONTDUMP, MADV.MADV_DODUMP, MADV.MADV_WIPEONFORK,
  MADV.MADV_KEEPONFORK, MADV.MADV_COLD, MADV.MADV_PAGEOUT, MADV.MADV_POPULATE_READ, MADV.MADV_POPULATE_WRITE,
  MADV.MADV_DONTNEED_LOCKED, MADV.MADV_COLLAPSE, MADV.MADV_HWPOISON, MADV.MADV_SOFT_OFFLINE,
]);

/** The madvise system call. */
export function doMadvise(kmm: KernelMm, mm: Mm, start: number, lenIn: number, behavior: number, acct: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  if (!VALID.has(behavior)) return -ERRNO.EINVAL;
  if (start % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  const len = pageAlign(lenIn);
  if (lenIn !== 0 && (len === 0 || len > 2 ** 64 - PAGE_SIZE)) return -ERRNO.EINVAL;
  const end = start + len;
  if (end >= 2 ** 64) return -ERRNO.EINVAL;
  if (end === start) return 0;
  if (behavior === MADV.MADV_HWPOISON || behavior === MADV.MADV_SOFT_OFFLINE) return -ERRNO.EPERM;
  if (behavior === MADV.MADV_POPULATE_READ || behavior === MADV.MADV_POPULATE_WRITE) {
    return madvisePopulate(kmm, mm, start, end, behavior === MADV.MADV_POPULATE_WRITE, acct);
  }
  // madvise_walk_vmas()
  let unmappedError = 0;
  let vma = mm.vmas.find(start);
  for (;;) {
    if (vma === null) return -ERRNO.ENOMEM;
    if (start < vma.start) {
      unmappedError = -ERRNO.ENOMEM;
      start = vma.start;
      if (start >= end) break;
    }
    const tmp = Math.min(vma.end, end);
    const r = madviseVmaBehavior(kmm, vma, start, tmp, behavior);
    if (typeof r === 'number') return r;
    start = tmp;
    if (start < r.end) start = r.end;
    if (start >= end) break;
    vma = mm.vmas.find(r.end);
  }
  return unmappedError;
}

/** madvise_vma_behavior(): returns the VMA covering the processed range (prev) or -errno. */
function madviseVmaBehavior(kmm: KernelMm, vma: Vma, start: number, end: number, behavior: number): Vma | number {
  let nf = vma.flags;
  switch (behavior) {
    case MADV.MADV_REMOVE:
      return madviseRemove(kmm, vma, start, end);
    case MADV.MADV_WILLNEED:
      return madviseWillneed(kmm, vma, start, end);
    case MADV.MADV_COLD:
    case MADV.MADV_PAGEOUT:
      if ((vma.flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) !== 0) return -ERRNO.EINVAL;
      if (behavior === MADV.MADV_PAGEOUT && vma.file !== null && !vma.file.mapping.shmem) {
        // reclaim_pages(): clean file pages of the range can go (no swap for anonymous memory)
        shrinkPageCache(kmm, 0);
      }
      return vma;
    case MADV.MADV_FREE:
    case MADV.MADV_DONTNEED:
    case MADV.MADV_DONTNEED_LOCKED:
      return madviseDontneedFree(kmm, vma, start, end, behavior);
    case MADV.MADV_NORMAL:
      nf = nf & ~VM_RAND_READ & ~VM_SEQ_READ;
      break;
    case MADV.MADV_SEQUENTIAL:
      nf = (nf & ~VM_RAND_READ) | VM_SEQ_READ;
      break;
    case MADV.MADV_RANDOM:
      nf = (nf & ~VM_SEQ_READ) | VM_RAND_READ;
      break;
    case MADV.MADV_DONTFORK:
      nf |= VM_DONTCOPY;
      break;
    case MADV.MADV_DOFORK:
      if ((vma.flags & VM_IO) !== 0) return -ERRNO.EINVAL;
      nf &= ~VM_DONTCOPY;
      break;
    case MADV.MADV_WIPEONFORK:
      if (vma.file !== null || (vma.flags & VM_SHARED) !== 0) return -ERRNO.EINVAL;
      nf |= VM_WIPEONFORK;
      break;
    case MADV.MADV_KEEPONFORK:
      nf &= ~VM_WIPEONFORK;
      break;
    case MADV.MADV_DONTDUMP:
      nf |= VM_DONTDUMP;
      break;
    case MADV.MADV_DODUMP:
      if ((nf & VM_SPECIAL) !== 0) return -ERRNO.EINVAL;
      nf &= ~VM_DONTDUMP;
      break;
    case MADV.MADV_MERGEABLE:
    case MADV.MADV_UNMERGEABLE:
      return vma; // KSM: no merging of identical pages is modelled; the advice is accepted
    case MADV.MADV_HUGEPAGE:
      nf = (nf & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
      break;
    case MADV.MADV_NOHUGEPAGE:
      nf = (nf & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
      break;
    case MADV.MADV_COLLAPSE:
      return -ERRNO.EINVAL; // THP disabled for the process (as the fixtures ran)
    default:
      return -ERRNO.EINVAL;
  }
  if (nf === vma.flags) return vma;
  const r = vmaModifyFlags(kmm, vma, start, end, nf);
  if (typeof r === 'number') return r;
  r.flags = nf;
  return r;
}

/** madvise_dontneed_free(). */
function madviseDontneedFree(kmm: KernelMm, vma: Vma, start: number, end: number, behavior: number): Vma | number {
  let forbidden = VM_PFNMAP;
  if (behavior !== MADV.MADV_DONTNEED_LOCKED) forbidden |= VM_LOCKED;
  if ((vma.flags & forbidden) !== 0) return -ERRNO.EINVAL;
  if (behavior === MADV.MADV_FREE) {
    if (!vma.isAnonymous() || (vma.flags & VM_SHARED) !== 0) return -ERRNO.EINVAL;
    madviseFreeRange(kmm, vma, start, end);
    return vma;
  }
  zapRange(kmm, vma, start, end, null);
  return vma;
}

/** madvise_free_pte_range(): exclusive anonymous pages become lazily freeable (clean, !swapbacked). */
function madviseFreeRange(kmm: KernelMm, vma: Vma, start: number, end: number): void {
  const phys = kmm.phys;
  const fr = kmm.frames;
  for (let addr = start; addr < end; addr += PAGE_SIZE) {
    const ea = walkToPte(phys, vma.mm.pgd, addr);
    if (ea < 0) continue;
    const lo = phys.read32(ea);
    if ((lo & PTE_P) === 0 || (lo & PTE_SPECIAL) !== 0) continue;
    const pfn = entryPfn(lo, phys.read32(ea + 4));
    if ((fr.flags[pfn] & PG_ANON) === 0 || fr.mapcount[pfn] !== 1) continue;
    fr.flags[pfn] &= ~(PG_SWAPBACKED | PG_DIRTY);
    // pte_mkold(pte_mkclean()): the page reads as clean and unreferenced
    if ((lo & (PTE_D | PTE_A)) !== 0) {
      phys.write32(ea, lo & ~(PTE_D | PTE_A));
      flushTlbPage(kmm, vma.mm, addr);
    }
  }
}

/** madvise_remove(): punch a hole in the backing file (fallocate PUNCH_HOLE|KEEP_SIZE). */
function madviseRemove(kmm: KernelMm, vma: Vma, start: number, end: number): Vma | number {
  if ((vma.flags & VM_LOCKED) !== 0) return -ERRNO.EINVAL;
  if (vma.file === null) return -ERRNO.EINVAL;
  if ((vma.flags & (VM_SHARED | VM_MAYWRITE)) !== (VM_SHARED | VM_MAYWRITE)) return -ERRNO.EACCES;
  const as = vma.file.mapping;
  const first = vma.pgoffOf(start);
  const last = vma.pgoffOf(end - 1);
  as.unmapMappingRange(first, last, false);
  for (let p = first; p <= last; p++) {
    const pfn = as.findPage(p);
    if (pfn >= 0 && kmm.frames.mapcount[pfn] === 0) {
      as.pages.delete(p);
      kmm.frames.lruDel(pfn);
      kmm.frames.mapping[pfn] = -1;
      kmm.frames.flags[pfn] = 0;
      if (--kmm.frames.refcount[pfn] === 0) {
        kmm.phys.releaseFrame(pfn);
        kmm.frames.free(pfn, 0);
      }
    }
    as.disk.delete(p);
  }
  return vma;
}

/** madvise_willneed(): start reading the file range into the page cache; maps nothing. */
function madviseWillneed(kmm: KernelMm, vma: Vma, start: number, end: number): Vma | number {
  if (vma.file === null) return vma;
  const as = vma.file.mapping;
  if (as.shmem) return vma;
  const first = vma.pgoffOf(start);
  const last = Math.min(vma.pgoffOf(end - 1), Math.ceil(as.size / PAGE_SIZE) - 1);
  for (let p = first; p <= last; p++) if (as.findPage(p) < 0) as.getPage(p, null, 'rand');
  void kmm;
  return vma;
}

/** madvise_populate() → faultin_page_range(): prefault readable or writable, counting faults. */
function madvisePopulate(kmm: KernelMm, mm: Mm, start: number, end: number, write: boolean, acct: FaultAcct): number {
  const phys = kmm.phys;
  let addr = start;
  while (addr < end) {
    const vma = mm.vmas.lookup(addr);
    if (vma === null) return -ERRNO.ENOMEM;
    if ((vma.flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)) !== 0) return -ERRNO.EINVAL;
    if (write ? (vma.flags & VM_WRITE) === 0 : (vma.flags & VM_READ) === 0) return -ERRNO.EINVAL;
    const stop = Math.min(end, vma.end);
    for (; addr < stop; addr += PAGE_SIZE) {
      const ea = walkToPte(phys, mm.pgd, addr);
      if (ea >= 0) {
        const lo = phys.read32(ea);
        if ((lo & PTE_P) !== 0 && (!write || (lo & PTE_RW) !== 0)) {
          followPageTouch(kmm, lo, phys.read32(ea + 4), write); // FOLL_TOUCH
          continue;
        }
      }
      const ret = doHandleMmFault(kmm, vma, addr, write, FAULT_GUP_LOCKED); // faultin_page_range(): __get_user_pages_locked
      if ((ret & VM_FAULT_ERROR) !== 0) return (ret & VM_FAULT_OOM) !== 0 ? -ERRNO.ENOMEM : -ERRNO.EFAULT;
      if ((ret & VM_FAULT_MAJOR) !== 0) acct.majFlt++;
      else acct.minFlt++;
    }
  }
  void VM_MAYSHARE;
  return 0;
}
