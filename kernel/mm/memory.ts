// PTE-level helpers shared by the fault, unmap, fork and page-cache code (mm/memory.c, mm/rmap.c).
import { PTE_P as PTE_P_, PTE_RW as PTE_RW_, PTE_US as PTE_US_, PTE_A as PTE_A_, PTE_D as PTE_D_, PTE_HI_XD as PTE_HI_XD_ } from '../../hw/pte.ts';
import { PG_ANON as PG_ANON_, PG_DIRTY as PG_DIRTY_, PG_SWAPBACKED as PG_SWAPBACKED_, PG_MLOCKED as PG_MLOCKED_, PG_ANON_EXCLUSIVE as PG_ANON_EXCLUSIVE_, PG_LRU as PG_LRU_ } from './frames.ts';
import { invalidatePtCache as invalidatePtCache_, PTE_SPECIAL as PTE_SPECIAL_, PTE_PROTNONE as PTE_PROTNONE_, entryPfn as entryPfn_, walkToPte as walkToPte_, walkToPmd as walkToPmd_, clearEntry as clearEntry_, writeEntry as writeEntry_, pgdIndex as pgdIndex_, pudIndex as pudIndex_, pmdIndex as pmdIndex_, entryPfn as tablePfn } from './pgtable.ts';
import { MM_ANONPAGES as MM_ANONPAGES_, MM_FILEPAGES as MM_FILEPAGES_, MM_SHMEMPAGES as MM_SHMEMPAGES_, type Mm } from './mm.ts';
import { VM_EXEC as VM_EXEC_, VM_SHARED as VM_SHARED_, VM_WRITE as VM_WRITE_, VM_READ as VM_READ_, type Vma, TASK_SIZE as TASK_SIZE_ } from './vma.ts';
import type { KernelMm } from './kmm.ts';
import { flushTlbPage as flushTlbPage_, flushTlbRange as flushTlbRange_, flushTlbMm as flushTlbMm_ } from './tlb.ts';
import { COST_PER_PTE as COST_PER_PTE_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const invalidatePtCache = invalidatePtCache_;
const entryPfn = entryPfn_;
const walkToPte = walkToPte_;
const walkToPmd = walkToPmd_;
const clearEntry = clearEntry_;
const writeEntry = writeEntry_;
const pgdIndex = pgdIndex_;
const pudIndex = pudIndex_;
const pmdIndex = pmdIndex_;
const flushTlbPage = flushTlbPage_;
const flushTlbRange = flushTlbRange_;
const flushTlbMm = flushTlbMm_;
const PTE_P = PTE_P_;
const PTE_RW = PTE_RW_;
const PTE_US = PTE_US_;
const PTE_A = PTE_A_;
const PTE_D = PTE_D_;
const PTE_HI_XD = PTE_HI_XD_;
const PG_ANON = PG_ANON_;
const PG_DIRTY = PG_DIRTY_;
const PG_SWAPBACKED = PG_SWAPBACKED_;
const PG_MLOCKED = PG_MLOCKED_;
const PG_ANON_EXCLUSIVE = PG_ANON_EXCLUSIVE_;
const PG_LRU = PG_LRU_;
const PTE_SPECIAL = PTE_SPECIAL_;
const PTE_PROTNONE = PTE_PROTNONE_;
const MM_ANONPAGES = MM_ANONPAGES_;
const MM_FILEPAGES = MM_FILEPAGES_;
const MM_SHMEMPAGES = MM_SHMEMPAGES_;
const VM_EXEC = VM_EXEC_;
const VM_SHARED = VM_SHARED_;
const VM_WRITE = VM_WRITE_;
const VM_READ = VM_READ_;
const TASK_SIZE = TASK_SIZE_;
const COST_PER_PTE = COST_PER_PTE_;

/** Whether the VMA's write-notify applies (vma_wants_writenotify): shared writable file mappings
 *  whose file wants page_mkwrite / dirty accounting (regular files, not shmem). */
export function wantsWritenotify(vma: Vma): boolean {
  return (vma.flags & (VM_SHARED | VM_WRITE)) === (VM_SHARED | VM_WRITE) && vma.file !== null && vma.file.mapping.writeNotify;
}

/** The low flag bits of vma->vm_page_prot (x86 protection_map): P|US|A, RW only for shared writable without writenotify. */
export function vmPageProtLo(vma: Vma): number {
  const f = vma.flags;
  if ((f & (VM_READ | VM_WRITE | VM_EXEC)) === 0) return PTE_PROTNONE | PTE_A; // PAGE_NONE
  let lo = PTE_P | PTE_US | PTE_A;
  if ((f & (VM_SHARED | VM_WRITE)) === (VM_SHARED | VM_WRITE) && !wantsWritenotify(vma)) lo |= PTE_RW;
  return lo;
}
export function vmPageProtHi(vma: Vma): number {
  return (vma.flags & VM_EXEC) !== 0 ? 0 : PTE_HI_XD;
}

/** mm_counter(): which RSS counter a mapped frame counts in. */
export function mmCounter(kmm: KernelMm, pfn: number): number {
  const fl = kmm.frames.flags[pfn];
  if ((fl & PG_ANON) !== 0) return MM_ANONPAGES;
  return (fl & PG_SWAPBACKED) !== 0 ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/** put_page(): drops a reference; frees the frame when it was the last one. */
export function putPage(kmm: KernelMm, pfn: number): void {
  const fr = kmm.frames;
  if (--fr.refcount[pfn] === 0) {
    if ((fr.flags[pfn] & PG_LRU) !== 0) fr.lruDel(pfn);
    fr.flags[pfn] = 0;
    kmm.phys.releaseFrame(pfn);
    fr.free(pfn, 0);
  }
}

/** Maps `pfn` at the pte slot `ea` for a new mapping: refcount, mapcount, rss. */
export function mapNewPte(kmm: KernelMm, mm: Mm, ea: number, pfn: number, lo: number, hi: number, takeRef: boolean): void {
  const fr = kmm.frames;
  if (takeRef) fr.refcount[pfn]++;
  fr.mapcount[pfn]++;
  mm.rss[mmCounter(kmm, pfn)]++;
  writeEntry(kmm.phys, ea, pfn, lo, hi);
}

/**
 * zap_pte_range() over [start, end) of one VMA: clears PTEs, drops mapcount/refcount, moves the
 * dirty bit to the page for file pages, updates RSS. `filter(pfn)` selects pages (null: all).
 * Flushes the TLB for the range. Returns the number of PTEs cleared.
 */
export function zapRange(kmm: KernelMm, vma: Vma, start: number, end: number, filter: ((pfn: number, isAnon: boolean) => boolean) | null): number {
  const mm = vma.mm;
  const phys = kmm.phys;
  const fr = kmm.frames;
  let n = 0;
  let lo = -1;
  let hi = -1;
  mm.updateHiwaterRss();
  let addr = start;
  while (addr < end) {
    const pmdEa = walkToPmd(phys, mm.pgd, addr);
    const nextPmd = (Math.floor(addr / 0x200000) + 1) * 0x200000;
    const stop = nextPmd < end ? nextPmd : end;
    if (pmdEa < 0 || (phys.read32(pmdEa) & PTE_P) === 0) {
      addr = stop;
      continue;
    }
    const ptPfn = tablePfn(phys.read32(pmdEa), phys.read32(pmdEa + 4));
    const frame = phys.frame(ptPfn);
    if (frame === undefined) {
      addr = stop; // an all-zero page table
      continue;
    }
    const dv = new DataView(frame.buffer, frame.byteOffset, 4096);
    for (; addr < stop; addr += 4096) {
      const off = (Math.floor(addr / 4096) & 511) * 8;
      const elo = dv.getUint32(off, true);
      if ((elo & (PTE_P | PTE_PROTNONE)) === 0) continue;
      const ehi = dv.getUint32(off + 4, true);
      const pfn = entryPfn(elo, ehi);
      if ((elo & PTE_SPECIAL) !== 0) {
        if (filter !== null && !filter(-1, false)) continue;
      } else {
        const isAnon = (fr.flags[pfn] & PG_ANON) !== 0;
        if (filter !== null && !filter(pfn, isAnon)) continue;
        if (!isAnon && (elo & PTE_D) !== 0) fr.flags[pfn] |= PG_DIRTY;
        mm.rss[mmCounter(kmm, pfn)]--;
        fr.mapcount[pfn]--;
        if (fr.mapcount[pfn] === 0) fr.flags[pfn] &= ~PG_MLOCKED;
        putPage(kmm, pfn);
      }
      dv.setUint32(off, 0, true);
      dv.setUint32(off + 4, 0, true);
      n++;
      if (lo < 0) lo = addr;
      hi = addr + 4096;
    }
  }
  kmm.charge(COST_PER_PTE * ((end - start) / 4096));
  if (lo >= 0) flushTlbRange(kmm, mm, lo, hi);
  return n;
}

/**
 * free_pgtables(): frees page-table pages whose whole span no longer intersects a VMA, for the
 * tables covering [start, end).
 */
export function freePgtables(kmm: KernelMm, mm: Mm, start: number, end: number): void {
  const phys = kmm.phys;
  const tree = mm.vmas;
  const pgdBase = mm.pgd * 4096;
  for (let g = pgdIndex(start); g <= pgdIndex(end - 1) && g < 256; g++) {
    const gEa = pgdBase + g * 8;
    const gLo = phys.read32(gEa);
    if ((gLo & PTE_P) === 0) continue;
    const pud = tablePfn(gLo, phys.read32(gEa + 4));
    const gStart = g * 0x8000000000;
    const uFirst = g === pgdIndex(start) ? pudIndex(start) : 0;
    const uLast = g === pgdIndex(end - 1) ? pudIndex(end - 1) : 511;
    // A table whose span still holds a VMA keeps every table above it: skip those checks.
    let gBusy = false;
    for (let u = uFirst; u <= uLast; u++) {
      const uEa = pud * 4096 + u * 8;
      const uLo = phys.read32(uEa);
      if ((uLo & PTE_P) === 0) continue;
      const pmd = tablePfn(uLo, phys.read32(uEa + 4));
      const uStart = gStart + u * 0x40000000;
      const a0 = Math.max(start, uStart);
      const a1 = Math.min(end, uStart + 0x40000000);
      let uBusy = false;
      for (let m = pmdIndex(a0); m <= pmdIndex(a1 - 1); m++) {
        const mStart = uStart + m * 0x200000;
        const mEa = pmd * 4096 + m * 8;
        const mLo = phys.read32(mEa);
        if ((mLo & PTE_P) === 0) continue;
        if (tree.findIntersection(mStart, mStart + 0x200000) !== null) {
          uBusy = true;
          continue;
        }
        const pt = tablePfn(mLo, phys.read32(mEa + 4));
        clearEntry(phys, mEa);
        freeTable(kmm, mm, pt);
      }
      if (uBusy || tree.findIntersection(uStart, uStart + 0x40000000) !== null) {
        gBusy = true;
        continue;
      }
      clearEntry(phys, uEa);
      freeTable(kmm, mm, pmd);
    }
    if (gBusy || tree.findIntersection(gStart, Math.min(gStart + 0x8000000000, TASK_SIZE + 4096)) !== null) continue;
    clearEntry(phys, gEa);
    freeTable(kmm, mm, pud);
  }
}

function freeTable(kmm: KernelMm, mm: Mm, pfn: number): void {
  invalidatePtCache();
  mm.pgtablesBytes -= 4096;
  kmm.frames.flags[pfn] = 0;
  putPage(kmm, pfn);
  // Paging-structure caches may hold the freed table: flush the whole mm (tlb_remove_table).
  flushTlbMm(kmm, mm);
}

/** The pte slot address for addr in mm (no allocation), or -1. */
export function ptePtr(kmm: KernelMm, mm: Mm, addr: number): number {
  return walkToPte(kmm.phys, mm.pgd, addr);
}

/** Rewrites one PTE in place and flushes it from the TLBs. */
export function setPteFlush(kmm: KernelMm, mm: Mm, ea: number, addr: number, pfn: number, lo: number, hi: number): void {
  writeEntry(kmm.phys, ea, pfn, lo, hi);
  flushTlbPage(kmm, mm, addr);
}

/**
 * page_mkclean() / rmap walk over a file page: calls fn(vma, addr, ptePhysAddr) for every
 * present PTE mapping `pfn` at `pgoff` of the mapping's VMAs.
 */
export function rmapWalkFile(kmm: KernelMm, vmas: Iterable<Vma>, pgoff: number, pfn: number, fn: (vma: Vma, addr: number, ea: number) => void): void {
  for (const vma of vmas) {
    if (pgoff < vma.pgoff || pgoff >= vma.pgoff + vma.pages) continue;
    const addr = vma.start + (pgoff - vma.pgoff) * 4096;
    const ea = walkToPte(kmm.phys, vma.mm.pgd, addr);
    if (ea < 0) continue;
    const lo = kmm.phys.read32(ea);
    if ((lo & (PTE_P | PTE_PROTNONE)) === 0 || (lo & PTE_SPECIAL) !== 0) continue;
    if (entryPfn(lo, kmm.phys.read32(ea + 4)) !== pfn) continue;
    fn(vma, addr, ea);
  }
}

export { PG_ANON_EXCLUSIVE };
