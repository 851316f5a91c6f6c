// Page reclaim (mm/vmscan.c shrink_folio_list), without swap: only clean page-cache pages of
// regular files can be freed. Candidates come from the LRU tail; mapped ones are unmapped first
// through the reverse map (try_to_unmap); dirty, shmem and anonymous pages stay.
import type { KernelMm } from './kmm.ts';
import { PG_DIRTY as PG_DIRTY_, PG_SWAPBACKED as PG_SWAPBACKED_, PG_REFERENCED as PG_REFERENCED_, PG_MLOCKED as PG_MLOCKED_ } from './frames.ts';
import { PTE_D as PTE_D_, PTE_A as PTE_A_ } from '../../hw/pte.ts';
import { rmapWalkFile as rmapWalkFile_, zapRange as zapRange_ } from './memory.ts';
import { VM_LOCKED as VM_LOCKED_ } from './vma.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const rmapWalkFile = rmapWalkFile_;
const zapRange = zapRange_;
const PG_DIRTY = PG_DIRTY_;
const PG_SWAPBACKED = PG_SWAPBACKED_;
const PG_REFERENCED = PG_REFERENCED_;
const PG_MLOCKED = PG_MLOCKED_;
const PTE_D = PTE_D_;
const PTE_A = PTE_A_;
const VM_LOCKED = VM_LOCKED_;

/** Frees up to `want` clean page-cache pages; returns how many were freed. */
export function shrinkPageCache(kmm: KernelMm, want: number): number {
  const fr = kmm.frames;
  let freed = 0;
  let scanned = 0;
  const limit = fr.lruCount * 2;
  let pfn = fr.lruTail;
  while (pfn >= 0 && freed < want && scanned < limit) {
    scanned++;
    const prev = fr.lruPrev[pfn];
    const fl = fr.flags[pfn];
    const as = kmm.mappings[fr.mapping[pfn]];
    if (as === undefined || (fl & (PG_SWAPBACKED | PG_MLOCKED)) !== 0) {
      pfn = prev;
      continue;
    }
    // Second chance for referenced pages (folio_referenced / folio_check_references).
    if ((fl & PG_REFERENCED) !== 0) {
      fr.flags[pfn] &= ~PG_REFERENCED;
      fr.lruTouch(pfn);
      pfn = prev;
      continue;
    }
    const pgoff = fr.index[pfn];
    let dirty = (fl & PG_DIRTY) !== 0;
    let locked = false;
    rmapWalkFile(kmm, as.iMmap, pgoff, pfn, (vma, _addr, ea) => {
      if ((kmm.phys.read32(ea) & PTE_D) !== 0) dirty = true;
      if ((vma.flags & VM_LOCKED) !== 0) locked = true;
    });
    if (dirty || locked) {
      pfn = prev;
      continue;
    }
    // try_to_unmap(): clear every PTE mapping the page
    const target = pfn;
    if (fr.mapcount[target] > 0) {
      const hits: { vma: import('./vma.ts').Vma; addr: number }[] = [];
      rmapWalkFile(kmm, as.iMmap, pgoff, target, (vma, addr) => hits.push({ vma, addr }));
      for (const h of hits) zapRange(kmm, h.vma, h.addr, h.addr + 4096, (p) => p === target);
    }
    if (fr.refcount[target] === 1 && fr.mapcount[target] === 0) {
      as.pages.delete(pgoff);
      fr.lruDel(target);
      fr.mapping[target] = -1;
      fr.flags[target] = 0;
      fr.refcount[target] = 0;
      kmm.phys.releaseFrame(target);
      fr.free(target, 0);
      freed++;
      kmm.stats.reclaimed++;
    }
    pfn = prev;
  }
  void PTE_A;
  return freed;
}
