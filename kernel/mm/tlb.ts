// TLB coherence (arch/x86/mm/tlb.c): INVLPG on the CPUs where the mm is loaded, otherwise the
// mm's PCID is marked stale on that CPU so that the next switch to it flushes (no NOFLUSH bit).
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { CR3_HI_NOFLUSH as CR3_HI_NOFLUSH_ } from '../../hw/mmu/regs.ts';
import { COST_INVLPG as COST_INVLPG_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const CR3_HI_NOFLUSH = CR3_HI_NOFLUSH_;
const COST_INVLPG = COST_INVLPG_;

/** Per KernelMm and CPU: which mm last ran with each PCID (cpu_tlbstate.ctxs). */
const pcidOwners = new WeakMap<KernelMm, Map<number, Mm>[]>();

/** tlb_single_page_flush_ceiling: above this many pages a range flush reloads CR3. */
export const TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

/** flush_tlb_page(). */
export function flushTlbPage(kmm: KernelMm, mm: Mm, addr: number): void {
  kmm.stats.tlbFlushes++;
  const cpus = kmm.cpuMm;
  for (let c = 0; c < kmm.mmus.length; c++) {
    if (cpus[c] === mm) {
      kmm.mmus[c].invlpg(addr >>> 0, Math.floor(addr / 0x100000000));
      kmm.charge(COST_INVLPG);
    } else mm.staleCpus |= 1 << c;
  }
}

/** flush_tlb_mm_range(). */
export function flushTlbRange(kmm: KernelMm, mm: Mm, start: number, end: number): void {
  const pages = (end - start) / 4096;
  if (pages <= 0) return;
  if (pages > TLB_SINGLE_PAGE_FLUSH_CEILING) {
    flushTlbMm(kmm, mm);
    return;
  }
  for (let a = start; a < end; a += 4096) flushTlbPage(kmm, mm, a);
}

/** flush_tlb_mm(): a CR3 reload without NOFLUSH where loaded (non-global entries of this PCID go). */
export function flushTlbMm(kmm: KernelMm, mm: Mm): void {
  kmm.stats.tlbFlushes++;
  for (let c = 0; c < kmm.mmus.length; c++) {
    if (kmm.cpuMm[c] === mm) loadCr3(kmm, c, mm, false);
    else mm.staleCpus |= 1 << c;
  }
}

function loadCr3(kmm: KernelMm, cpu: number, mm: Mm, noflush: boolean): void {
  const pa = mm.pgd * 4096;
  const lo = ((pa % 0x100000000) | mm.pcid) >>> 0;
  const hi = (Math.floor(pa / 0x100000000) | (noflush ? CR3_HI_NOFLUSH : 0)) >>> 0;
  kmm.mmus[cpu].movToCr3(lo, hi);
}

/**
 * switch_mm_irqs_off(): loads `next` into CPU `cpu`'s CR3 with its PCID. The TLB entries of
 * that PCID are kept (CR3 bit 63 NOFLUSH) unless they went stale while it was not loaded.
 */
export function switchMm(kmm: KernelMm, cpu: number, next: Mm): void {
  const bit = 1 << cpu;
  // choose_new_asid(): a PCID last used on this CPU by another mm holds that mm's entries
  let owners = pcidOwners.get(kmm);
  if (owners === undefined) {
    owners = [];
    pcidOwners.set(kmm, owners);
  }
  let mine = owners[cpu];
  if (mine === undefined) mine = owners[cpu] = new Map<number, Mm>();
  const stale = (next.staleCpus & bit) !== 0 || mine.get(next.pcid) !== next;
  mine.set(next.pcid, next);
  next.staleCpus &= ~bit;
  kmm.cpuMm[cpu] = next;
  if (kmm.mmus[cpu] !== undefined) loadCr3(kmm, cpu, next, !stale);
}
