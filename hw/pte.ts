// Paging-structure entry bits: SDM Vol. 3A 4.5, Tables 4-14..4-20 (4-level) and 4-15 (PML5E).
// An entry is a 64-bit qword held as two uint32 halves: `lo` (bits 31:0) and `hi` (bits 63:32).
// This file is the only definition of the entry format; everything else derives from it.

// Bits of the low half.
export const PTE_P = 1 << 0; // present
export const PTE_RW = 1 << 1; // read/write
export const PTE_US = 1 << 2; // user/supervisor
export const PTE_PWT = 1 << 3; // page-level write-through
export const PTE_PCD = 1 << 4; // page-level cache disable
export const PTE_A = 1 << 5; // accessed
export const PTE_D = 1 << 6; // dirty (leaf entries only)
export const PTE_PS = 1 << 7; // page size (PDPTE, PDE); PAT in a 4 KiB PTE
export const PTE_PAT_4K = 1 << 7; // PAT bit of a 4 KiB PTE
export const PTE_G = 1 << 8; // global (leaf entries, CR4.PGE)
export const PTE_PAT_LARGE = 1 << 12; // PAT bit of a 2 MiB / 1 GiB leaf
// Software-available bits (ignored by hardware): 11:9 and 58:52. Linux uses bit 9 for _PAGE_SPECIAL etc.
export const PTE_AVL_MASK_LO = 0x00000e00;

// Bits of the high half (bit n of the qword is bit n-32 of `hi`).
export const PTE_HI_XD = 1 << 31; // bit 63: execute-disable (if EFER.NXE)
export const PTE_HI_PK_SHIFT = 27; // bits 62:59: protection key (if CR4.PKE, leaf entries)
export const PTE_HI_PK_MASK = 0xf << PTE_HI_PK_SHIFT;

// Address field: bits (MAXPHYADDR-1):12 of a 4 KiB frame / next table,
// (MAXPHYADDR-1):21 of a 2 MiB page, (MAXPHYADDR-1):30 of a 1 GiB page.
export const PTE_ADDR_MASK_LO = 0xfffff000;

/** Mask of the `hi` address bits 51:32 that lie below MAXPHYADDR. */
export function hiAddrMask(maxPhyAddr: number): number {
  return maxPhyAddr >= 52 ? 0x000fffff : ((1 << (maxPhyAddr - 32)) - 1) >>> 0;
}

/** Physical address in an entry (table or 4 KiB frame), as a plain number (< 2^52). */
export function pteAddr(lo: number, hi: number): number {
  return (hi & 0x000fffff) * 0x100000000 + ((lo & PTE_ADDR_MASK_LO) >>> 0);
}

/** Build an entry's halves from a physical address and low flag bits. */
export function makePte(pa: number, flagsLo: number, flagsHi = 0): { lo: number; hi: number } {
  const lo = ((pa % 0x100000000) & PTE_ADDR_MASK_LO) | flagsLo;
  const hi = (Math.floor(pa / 0x100000000) & 0x000fffff) | flagsHi;
  return { lo: lo >>> 0, hi: hi >>> 0 };
}

/** Level names as the SDM uses them, indexed by level (1 = PT ... 5 = PML5). */
export const LEVEL_NAMES = ['', 'pte', 'pde', 'pdpte', 'pml4e', 'pml5e'] as const;
/** Page size mapped by a leaf at each level (0 where a leaf is impossible). */
export const LEVEL_PAGE_SIZE = [0, 0x1000, 0x200000, 0x40000000, 0, 0] as const;
