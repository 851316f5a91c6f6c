// Kernel page-table code (arch/x86/include/asm/pgtable*.h, mm/memory.c walkers):
// pgd/p4d/pud/pmd/pte helpers over simulated physical memory, with the PTE bits of hw/pte.ts.
// 4-level paging: the p4d level is folded into the pgd (PML4), as Linux does without LA57.
import { PTE_P as PTE_P_, PTE_RW as PTE_RW_, PTE_US as PTE_US_, PTE_A as PTE_A_, PTE_D as PTE_D_, PTE_PS as PTE_PS_, PTE_G as PTE_G_, PTE_HI_XD as PTE_HI_XD_, PTE_ADDR_MASK_LO as PTE_ADDR_MASK_LO_ } from '../../hw/pte.ts';
import type { PhysMem } from '../../hw/mem/phys-mem.ts';
import { PG_PGTABLE as PG_PGTABLE_, PG_KERNEL as PG_KERNEL_, type FrameAllocator } from './frames.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const PTE_P = PTE_P_;
const PTE_RW = PTE_RW_;
const PTE_US = PTE_US_;
const PTE_A = PTE_A_;
const PTE_D = PTE_D_;
const PTE_PS = PTE_PS_;
const PTE_G = PTE_G_;
const PTE_HI_XD = PTE_HI_XD_;
const PTE_ADDR_MASK_LO = PTE_ADDR_MASK_LO_;
const PG_PGTABLE = PG_PGTABLE_;
const PG_KERNEL = PG_KERNEL_;

/** _PAGE_BIT_SPECIAL (software bit 9): a PTE whose frame has no struct page users (zero page, pfnmap). */
export const PTE_SPECIAL = 1 << 9;
/** _PAGE_PROTNONE: bit 8 (the global bit) with P clear: a PROT_NONE mapping that keeps its frame. */
export const PTE_PROTNONE = 1 << 8;
/** _PAGE_TABLE: the flags of a user-reachable non-leaf entry. */
export const PAGE_TABLE_FLAGS = PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
/** _KERNPG_TABLE. */
export const KERNPG_TABLE_FLAGS = PTE_P | PTE_RW | PTE_A | PTE_D;

/** Start of the direct map of all physical memory (PAGE_OFFSET with 4-level paging, no KASLR). */
export const PAGE_OFFSET_HI = 0xffff8880;
export const PAGE_OFFSET_LO = 0x00000000;
/** PML4 slot of PAGE_OFFSET: bits 47:39 of 0xffff888000000000. */
export const DIRECT_MAP_PGD_INDEX = 273;
/** First kernel-half PML4 slot (KERNEL_PGD_BOUNDARY). */
export const KERNEL_PGD_BOUNDARY = 256;

export const pgdIndex = (addr: number): number => Math.floor(addr / 0x8000000000) & 511;
export const pudIndex = (addr: number): number => Math.floor(addr / 0x40000000) & 511;
export const pmdIndex = (addr: number): number => Math.floor(addr / 0x200000) & 511;
export const pteIndex = (addr: number): number => Math.floor(addr / 0x1000) & 511;

/** Frame number in an entry (table or 4 KiB page), from its halves. */
export function entryPfn(lo: number, hi: number): number {
  return (hi & 0x000fffff) * 0x100000 + ((lo & PTE_ADDR_MASK_LO) >>> 12);
}

/** The pfn of a pte at physical address `ea`. */
export function readPfn(phys: PhysMem, ea: number): number {
  return entryPfn(phys.read32(ea), phys.read32(ea + 4));
}

export function writeEntry(phys: PhysMem, ea: number, pfn: number, flagsLo: number, flagsHi: number): void {
  const lo = ((pfn % 0x100000) * 0x1000 + (flagsLo & 0xfff)) >>> 0;
  const hi = (Math.floor(pfn / 0x100000) & 0x000fffff) | flagsHi;
  phys.write64(ea, lo, hi >>> 0);
}

export function clearEntry(phys: PhysMem, ea: number): void {
  phys.write64(ea, 0, 0);
}

/** Allocates a zeroed page-table page; -1 when memory is exhausted. */
export function allocTablePage(frames: FrameAllocator, phys: PhysMem, kernel: boolean): number {
  const pfn = frames.alloc(0);
  if (pfn < 0) return -1;
  phys.zeroFrame(pfn);
  frames.flags[pfn] |= PG_PGTABLE | (kernel ? PG_KERNEL : 0);
  return pfn;
}

/**
 * The physical address of the 8-byte slot of level `level` (4 = pml4e .. 1 = pte) for `addr`,
 * starting at table `pgdPfn`; -1 when a table on the way is absent. Leaves at higher levels
 * (PS) are not expected in user space here.
 */
export function walkToPte(phys: PhysMem, pgdPfn: number, addr: number): number {
  if (pgdPfn === ptCachePgd && Math.floor(addr / 0x200000) === ptCacheRegion && phys === ptCachePhys) return ptCachePt * 4096 + pteIndex(addr) * 8;
  let ea = pgdPfn * 4096 + pgdIndex(addr) * 8;
  let lo = phys.read32(ea);
  if ((lo & PTE_P) === 0) return -1;
  ea = entryPfn(lo, phys.read32(ea + 4)) * 4096 + pudIndex(addr) * 8;
  lo = phys.read32(ea);
  if ((lo & PTE_P) === 0) return -1;
  ea = entryPfn(lo, phys.read32(ea + 4)) * 4096 + pmdIndex(addr) * 8;
  lo = phys.read32(ea);
  if ((lo & PTE_P) === 0) return -1;
  return entryPfn(lo, phys.read32(ea + 4)) * 4096 + pteIndex(addr) * 8;
}

/** The physical address of the pmd entry for addr, or -1. */
export function walkToPmd(phys: PhysMem, pgdPfn: number, addr: number): number {
  let ea = pgdPfn * 4096 + pgdIndex(addr) * 8;
  let lo = phys.read32(ea);
  if ((lo & PTE_P) === 0) return -1;
  ea = entryPfn(lo, phys.read32(ea + 4)) * 4096 + pudIndex(addr) * 8;
  lo = phys.read32(ea);
  if ((lo & PTE_P) === 0) return -1;
  return entryPfn(lo, phys.read32(ea + 4)) * 4096 + pmdIndex(addr) * 8;
}

/**
 * pte_alloc_map(): like walkToPte but allocates missing p4d/pud/pmd/pte tables (user tables,
 * _PAGE_TABLE flags). Returns -1 on allocation failure. `onTable` counts new tables (mm_inc_nr_ptes).
 */
export function allocToPte(frames: FrameAllocator, phys: PhysMem, pgdPfn: number, addr: number, counter: { pgtablesBytes: number }): number {
  const region = Math.floor(addr / 0x200000);
  if (pgdPfn === ptCachePgd && region === ptCacheRegion && phys === ptCachePhys) return ptCachePt * 4096 + pteIndex(addr) * 8;
  const pud = nextTable(frames, phys, pgdPfn * 4096 + pgdIndex(addr) * 8, counter);
  if (pud < 0) return -1;
  const pmd = nextTable(frames, phys, pud * 4096 + pudIndex(addr) * 8, counter);
  if (pmd < 0) return -1;
  const pt = nextTable(frames, phys, pmd * 4096 + pmdIndex(addr) * 8, counter);
  if (pt < 0) return -1;
  ptCachePgd = pgdPfn;
  ptCacheRegion = region;
  ptCachePt = pt;
  ptCachePhys = phys;
  return pt * 4096 + pteIndex(addr) * 8;
}

// A one-entry cache of the last (pgd, 2 MiB region) → page-table page lookup: a software
// equivalent of the paging-structure caches for the kernel's own walks. Page tables only
// disappear through invalidatePtCache() callers (freeing a table or a pgd).
let ptCachePgd = -1;
let ptCacheRegion = -1;
let ptCachePt = -1;
let ptCachePhys: PhysMem | null = null;

/** Forget the cached walk (call whenever a page-table page or pgd is freed). */
export function invalidatePtCache(): void {
  ptCachePgd = -1;
  ptCacheRegion = -1;
  ptCachePt = -1;
}

/** The table an entry points to, allocating (and linking) a zeroed one when the entry is empty. */
function nextTable(frames: FrameAllocator, phys: PhysMem, ea: number, counter: { pgtablesBytes: number }): number {
  const lo = phys.read32(ea);
  if ((lo & PTE_P) !== 0) return entryPfn(lo, phys.read32(ea + 4));
  const t = allocTablePage(frames, phys, false);
  if (t < 0) return -1;
  writeEntry(phys, ea, t, PAGE_TABLE_FLAGS, 0);
  counter.pgtablesBytes += 4096;
  return t;
}

/** Builds the kernel half: a supervisor-only, global, NX direct map of `nframes` frames in 2 MiB pages. */
export function buildKernelHalf(frames: FrameAllocator, phys: PhysMem, pgdPfn: number, nframes: number): void {
  const bytes = nframes * 4096;
  const pdpt = allocTablePage(frames, phys, true);
  if (pdpt < 0) throw new Error('out of memory building the direct map');
  writeEntry(phys, pgdPfn * 4096 + DIRECT_MAP_PGD_INDEX * 8, pdpt, KERNPG_TABLE_FLAGS, 0);
  const nGiB = Math.ceil(bytes / 0x40000000);
  for (let g = 0; g < nGiB && g < 512; g++) {
    const pd = allocTablePage(frames, phys, true);
    if (pd < 0) throw new Error('out of memory building the direct map');
    writeEntry(phys, pdpt * 4096 + g * 8, pd, KERNPG_TABLE_FLAGS, 0);
    for (let i = 0; i < 512; i++) {
      const pa = g * 0x40000000 + i * 0x200000;
      if (pa >= bytes) break;
      writeEntry(phys, pd * 4096 + i * 8, pa / 4096, PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS | PTE_G, PTE_HI_XD);
    }
  }
}

/** clone_pgd_range(): copies the kernel-half PML4 entries into a new pgd. */
export function cloneKernelPgd(phys: PhysMem, dstPgd: number, srcPgd: number): void {
  for (let i = KERNEL_PGD_BOUNDARY; i < 512; i++) {
    const lo = phys.read32(srcPgd * 4096 + i * 8);
    const hi = phys.read32(srcPgd * 4096 + i * 8 + 4);
    if (lo !== 0 || hi !== 0) phys.write64(dstPgd * 4096 + i * 8, lo, hi);
  }
}
