// fork and exit of an address space (kernel/fork.c dup_mm/dup_mmap, mm/memory.c copy_page_range,
// mm/mmap.c exit_mmap).
import { PTE_P as PTE_P_, PTE_RW as PTE_RW_, PTE_A as PTE_A_, PTE_D as PTE_D_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import { Mm } from './mm.ts';
import { type Vma, VM_DONTCOPY as VM_DONTCOPY_, VM_WIPEONFORK as VM_WIPEONFORK_, VM_LOCKED_MASK as VM_LOCKED_MASK_, VM_PFNMAP as VM_PFNMAP_, VM_MIXEDMAP as VM_MIXEDMAP_, VM_SHARED as VM_SHARED_, isCowMapping as isCowMapping_, PAGE_SIZE as PAGE_SIZE_, TASK_SIZE as TASK_SIZE_ } from './vma.ts';
import { dupVma as dupVma_, linkVma as linkVma_, unlinkVma as unlinkVma_ } from './vma-ops.ts';
import { vmStatAccount as vmStatAccount_ } from './account.ts';
import { invalidatePtCache as invalidatePtCache_, PTE_SPECIAL as PTE_SPECIAL_, PTE_PROTNONE as PTE_PROTNONE_, allocToPte as allocToPte_, entryPfn as entryPfn_, walkToPmd as walkToPmd_ } from './pgtable.ts';
import { PG_ANON as PG_ANON_, PG_ANON_EXCLUSIVE as PG_ANON_EXCLUSIVE_ } from './frames.ts';
import { zapRange as zapRange_, freePgtables as freePgtables_, mmCounter as mmCounter_ } from './memory.ts';
import { flushTlbMm as flushTlbMm_ } from './tlb.ts';
import { COST_PER_PTE as COST_PER_PTE_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const invalidatePtCache = invalidatePtCache_;
const isCowMapping = isCowMapping_;
const dupVma = dupVma_;
const linkVma = linkVma_;
const unlinkVma = unlinkVma_;
const vmStatAccount = vmStatAccount_;
const allocToPte = allocToPte_;
const entryPfn = entryPfn_;
const walkToPmd = walkToPmd_;
const zapRange = zapRange_;
const freePgtables = freePgtables_;
const mmCounter = mmCounter_;
const flushTlbMm = flushTlbMm_;
const PTE_P = PTE_P_;
const PTE_RW = PTE_RW_;
const PTE_A = PTE_A_;
const PTE_D = PTE_D_;
const VM_DONTCOPY = VM_DONTCOPY_;
const VM_WIPEONFORK = VM_WIPEONFORK_;
const VM_LOCKED_MASK = VM_LOCKED_MASK_;
const VM_PFNMAP = VM_PFNMAP_;
const VM_MIXEDMAP = VM_MIXEDMAP_;
const VM_SHARED = VM_SHARED_;
const PAGE_SIZE = PAGE_SIZE_;
const TASK_SIZE = TASK_SIZE_;
const PTE_SPECIAL = PTE_SPECIAL_;
const PTE_PROTNONE = PTE_PROTNONE_;
const PG_ANON = PG_ANON_;
const PG_ANON_EXCLUSIVE = PG_ANON_EXCLUSIVE_;
const COST_PER_PTE = COST_PER_PTE_;

/**
 * dup_mm(): the child's address space for fork. VMAs are duplicated (except VM_DONTCOPY), locks
 * are not inherited, and page-table entries are copied only for VMAs that have an anon_vma
 * (or are pfn maps): private writable PTEs are write-protected in parent and child.
 * Returns null when memory runs out (fork fails with ENOMEM).
 */
export function dupMmap(kmm: KernelMm, old: Mm): Mm | null {
  const mm = kmm.newMm();
  if (mm === null) return null;
  mm.totalVm = old.totalVm;
  mm.dataVm = old.dataVm;
  mm.execVm = old.execVm;
  mm.stackVm = old.stackVm;
  mm.lockedVm = 0;
  mm.mmapBase = old.mmapBase;
  mm.mmapLegacyBase = old.mmapLegacyBase;
  mm.topDown = old.topDown;
  mm.startCode = old.startCode;
  mm.endCode = old.endCode;
  mm.startData = old.startData;
  mm.endData = old.endData;
  mm.startBrk = old.startBrk;
  mm.brk = old.brk;
  mm.startStack = old.startStack;
  mm.argStart = old.argStart;
  mm.argEnd = old.argEnd;
  mm.envStart = old.envStart;
  mm.envEnd = old.envEnd;
  mm.defFlags = 0;
  mm.rlimStack = old.rlimStack;
  mm.rlimMemlock = old.rlimMemlock;
  mm.rlimAs = old.rlimAs;
  mm.rlimData = old.rlimData;
  mm.capIpcLock = old.capIpcLock;
  let ok = true;
  for (let v = old.vmas.first; v !== null; v = v.next) {
    if ((v.flags & VM_DONTCOPY) !== 0) {
      vmStatAccount(mm, v.flags, -v.pages);
      continue;
    }
    const t = dupVma(v, mm);
    t.flags &= ~VM_LOCKED_MASK;
    if ((v.flags & VM_WIPEONFORK) !== 0) t.anonVma = null;
    // anon_vma_fork(): the chain now holds the parent's anon_vma too (vma_is_fork_child())
    t.anonForked = t.anonVma !== null;
    linkVma(mm, t);
    if ((v.flags & VM_WIPEONFORK) === 0 && ok) {
      if (!copyPageRange(kmm, t, v)) ok = false;
    }
  }
  flushTlbMm(kmm, old);
  mm.hiwaterRss = mm.rssPages();
  mm.hiwaterVm = mm.totalVm;
  if (!ok) {
    exitMmap(kmm, mm);
    return null;
  }
  return mm;
}

/** copy_page_range(): false on allocation failure. */
function copyPageRange(kmm: KernelMm, dst: Vma, src: Vma): boolean {
  if ((src.flags & (VM_PFNMAP | VM_MIXEDMAP)) === 0 && src.anonVma === null) return true;
  const phys = kmm.phys;
  const fr = kmm.frames;
  const cow = isCowMapping(src.flags);
  const shared = (src.flags & VM_SHARED) !== 0;
  const smm = src.mm;
  const dmm = dst.mm;
  let addr = src.start;
  const end = src.end;
  let n = 0;
  while (addr < end) {
    const nextPmd = (Math.floor(addr / 0x200000) + 1) * 0x200000;
    const stop = nextPmd < end ? nextPmd : end;
    const pmdEa = walkToPmd(phys, smm.pgd, addr);
    if (pmdEa < 0 || (phys.read32(pmdEa) & PTE_P) === 0) {
      addr = stop;
      continue;
    }
    const spt = entryPfn(phys.read32(pmdEa), phys.read32(pmdEa + 4)) * 4096;
    let dpt = -1;
    for (; addr < stop; addr += PAGE_SIZE) {
      const sea = spt + (Math.floor(addr / 4096) & 511) * 8;
      let lo = phys.read32(sea);
      if ((lo & (PTE_P | PTE_PROTNONE)) === 0) continue;
      const hi = phys.read32(sea + 4);
      if (dpt < 0) {
        const dea = allocToPte(fr, phys, dmm.pgd, addr, dmm);
        if (dea < 0) return false;
        dpt = dea - (Math.floor(addr / 4096) & 511) * 8;
      }
      if ((lo & PTE_SPECIAL) === 0) {
        const pfn = entryPfn(lo, hi);
        fr.refcount[pfn]++;
        fr.mapcount[pfn]++;
        // folio_try_dup_anon_rmap_pte(): the page is no longer exclusive to one process
        if ((fr.flags[pfn] & PG_ANON) !== 0) fr.flags[pfn] &= ~PG_ANON_EXCLUSIVE;
        dmm.rss[mmCounter(kmm, pfn)]++;
      }
      if (cow && (lo & PTE_RW) !== 0) {
        lo &= ~PTE_RW;
        phys.write32(sea, lo); // ptep_set_wrprotect() in the parent
      }
      let clo = lo;
      if (shared) clo &= ~PTE_D;
      clo &= ~PTE_A; // pte_mkold()
      phys.write64(dpt + (Math.floor(addr / 4096) & 511) * 8, clo >>> 0, hi);
      n++;
    }
  }
  kmm.charge(COST_PER_PTE * n);
  return true;
}

/**
 * exit_mmap(): unmaps every VMA, frees all pages and page tables (and the pgd) of `mm`.
 * Call when the last task using the mm exits (mm_users drops to 0).
 */
export function exitMmap(kmm: KernelMm, mm: Mm): void {
  if (mm.dead) return;
  mm.updateHiwaterRss();
  mm.updateHiwaterVm();
  for (let v = mm.vmas.first; v !== null;) {
    const next = v.next;
    zapRange(kmm, v, v.start, v.end, null);
    v = next;
  }
  const all: Vma[] = [...mm.vmas];
  for (const v of all) unlinkVma(mm, v);
  freePgtables(kmm, mm, 0, TASK_SIZE);
  mm.totalVm = mm.dataVm = mm.execVm = mm.stackVm = mm.lockedVm = 0;
  mm.dead = true;
  kmm.forgetMm(mm);
  // the pgd itself
  invalidatePtCache();
  kmm.frames.flags[mm.pgd] = 0;
  if (--kmm.frames.refcount[mm.pgd] === 0) {
    kmm.phys.releaseFrame(mm.pgd);
    kmm.frames.free(mm.pgd, 0);
  }
  mm.pgtablesBytes = 0;
}
