// The page walk of 4-level and 5-level paging (SDM 4.5), one paging-structure reference per
// step so the MMU can time each reference. Checks run in the SDM's (and QEMU's
// mmu_translate) order: P, reserved bits (4.5), then at the leaf the access rights (4.6).
// Accessed and dirty flags (4.8) are set by commit(); with the 'eager' policy, A is also set
// on each present non-leaf entry (and on a PDPTE, leaf or not) as the walk passes it.
import type { PhysMem } from '../mem/phys-mem.ts';
import * as pte from '../pte.ts';
import * as accessRights from './access.ts';
import * as codes from './codes.ts';
import { FrameCache } from './frame-cache.ts';
import * as regs from './regs.ts';
import type { MmuRegs } from './regs.ts';
import * as tlb from './tlb.ts';

// Local copies of imported constants and functions (V8 folds these; see codes.ts).
const { accessErrorBits, rightsFault } = accessRights;
const { ACC_WRITE, WALK_RUNNING, WALK_OK, WALK_FAULT, WF_NONE, WF_NOT_PRESENT, WF_RESERVED, WF_RIGHTS } = codes;
const { PTE_A, PTE_ADDR_MASK_LO, PTE_D, PTE_G, PTE_HI_PK_SHIFT, PTE_P, PTE_PS, PTE_RW, PTE_US, hiAddrMask } = pte;
const { CR4_PGE, EFER_NXE, PFEC_P, PFEC_RSVD } = regs;
const { ATTR_D, ATTR_G, ATTR_PK_SHIFT, ATTR_RW, ATTR_SIZE_SHIFT, ATTR_US, ATTR_XD } = tlb;

export { WALK_RUNNING, WALK_OK, WALK_FAULT, WF_NONE, WF_NOT_PRESENT, WF_RESERVED, WF_RIGHTS } from './codes.ts';

/** Reserved bits 20:13 of a 2 MiB leaf and 29:13 of a 1 GiB leaf (bit 12 is PAT). SDM Table 4-17, 4-19. */
export const LARGE_RSVD_LO = [0, 0, 0x001fe000, 0x3fffe000] as const;
const largeRsvdLo = Int32Array.from(LARGE_RSVD_LO);

/** Index of the level-`level` entry for linear address (lo, hi): 9 bits at 12 + 9*(level-1). */
export function entryIndex(lo: number, hi: number, level: number): number {
  return index(lo, hi, level);
}

/**
 * pteAddr(lo, hi), computed so that an address below 2^31 comes out a small integer: V8 then
 * keeps the walker's address fields as integers rather than boxed doubles.
 */
export function addrOf(lo: number, hi: number): number {
  return entryAddrOf(lo, hi);
}

// Module-local versions of the two above: the walk calls them without loading an exported binding.
function index(lo: number, hi: number, level: number): number {
  const s = 3 + 9 * level;
  return (s >= 32 ? hi >>> (s - 32) : (lo >>> s) | (hi << (32 - s))) & 0x1ff;
}
function entryAddrOf(lo: number, hi: number): number {
  const h = hi & 0x000fffff;
  const l = (lo & PTE_ADDR_MASK_LO) >>> 0;
  return h === 0 ? l : h * 0x100000000 + l;
}

/** Reserved bits of the high half of every entry: 51:MAXPHYADDR, and XD (bit 63) if EFER.NXE = 0. */
export function reservedHiMask(maxPhyAddr: number, efer: number): number {
  return ((0x000fffff & ~hiAddrMask(maxPhyAddr)) | ((efer & EFER_NXE) === 0 ? 0x80000000 : 0)) >>> 0;
}

export class Walker {
  laLo = 0;
  laHi = 0;
  access = 0;
  /** Level of the next entry to read (5..1). */
  level = 0;
  /** Physical base of the table at `level`. */
  table = 0;
  /** Rights combined over the entries read so far (and a PSC entry that started the walk). */
  attr = 0;
  /** Level the walk started at (below the top when a paging-structure cache hit skipped levels). */
  startLevel = 0;
  status = WALK_RUNNING;
  faultKind = WF_NONE;
  errorCode = 0;
  leafLevel = 0;
  /** Physical base of the page (status OK). */
  pageBase = 0;
  /** The entries read, by level: address and value as read (before any A/D update). */
  readonly entryAddr = new Float64Array(6);
  readonly entryLo = new Uint32Array(6);
  readonly entryHi = new Uint32Array(6);
  /** Rights combined down to and including each level's entry (what a PSC entry for that level caches). */
  readonly attrAt = new Int32Array(6);
  /** Eager policy: bit `level` set where this walk set A on the entry as it passed. */
  setEarly = 0;
  private rsvdHi = 0;
  private eager = false;
  /** Bits 51:MAXPHYADDR of the high half (reserved in every entry). */
  private readonly rsvdAddrHi: number;

  private readonly frames: FrameCache;

  constructor(private readonly phys: PhysMem, frames?: FrameCache) {
    this.frames = frames ?? new FrameCache(phys);
    this.rsvdAddrHi = reservedHiMask(phys.maxPhyAddr, EFER_NXE);
  }

  /** Starts a walk at `level` in the table at `table` with combined rights `attr`. */
  start(laLo: number, laHi: number, access: number, level: number, table: number, attr: number, r: MmuRegs, eager: boolean): void {
    this.laLo = laLo;
    this.laHi = laHi;
    this.access = access;
    this.level = level;
    this.startLevel = level;
    this.table = table;
    this.attr = attr;
    this.status = WALK_RUNNING;
    this.faultKind = WF_NONE;
    this.errorCode = 0;
    this.leafLevel = 0;
    this.eager = eager;
    this.rsvdHi = (r.efer & EFER_NXE) === 0 ? this.rsvdAddrHi | 0x80000000 : this.rsvdAddrHi; // int32
    this.setEarly = 0;
  }

  /** Physical address of the entry the next step reads. */
  nextEntryAddr(): number {
    return this.table + entryIndex(this.laLo, this.laHi, this.level) * 8;
  }

  /** Reads and checks the entry at `level`; returns the walk status. */
  step(r: MmuRegs): number {
    const level = this.level;
    const addr = this.table + index(this.laLo, this.laHi, level) * 8;
    // The entry as two int32 halves, read through a cached view of its frame (entries are
    // 8-byte aligned, so never straddle a frame).
    const words = this.frames.words(addr);
    const o = (addr & 0xff8) >> 2;
    const lo = words[o];
    const hi = words[o + 1];
    this.entryAddr[level] = addr;
    this.entryLo[level] = lo;
    this.entryHi[level] = hi;
    // 4.5: a not-present entry ends the walk (bits other than P are ignored).
    if ((lo & PTE_P) === 0) return this.fault(WF_NOT_PRESENT, r);
    // 4.5: bits 51:MAXPHYADDR, XD with NXE = 0, and PS in a PML5E / PML4E are reserved.
    if ((hi & this.rsvdHi) !== 0 || (level >= 4 && (lo & PTE_PS) !== 0)) return this.fault(WF_RESERVED, r);
    const leaf = level === 1 || (level <= 3 && (lo & PTE_PS) !== 0);
    // Eager (QEMU): A on each non-leaf entry passed, and on a PDPTE whether it maps a 1 GiB page or not.
    if (this.eager === true && (lo & PTE_A) === 0 && (!leaf || level === 3)) this.setA(level, addr, lo);
    // Combine rights: R/W and U/S by AND, XD (bit 63: the sign of `hi`) by OR (4.6).
    let attr = this.attr & ((lo & (PTE_RW | PTE_US)) | ~(ATTR_RW | ATTR_US));
    if (hi < 0) attr |= ATTR_XD;
    this.attr = attr;
    this.attrAt[level] = attr;
    if (leaf) return this.leaf(level, lo, hi, attr, r);
    this.table = entryAddrOf(lo, hi);
    this.level = level - 1;
    return WALK_RUNNING;
  }

  /** The entry at `level` maps the page: its reserved address bits, then the access rights. */
  private leaf(level: number, lo: number, hi: number, attr: number, r: MmuRegs): number {
    // 4.5: reserved bits of a 2 MiB / 1 GiB page-frame address.
    if (level >= 2 && (lo & largeRsvdLo[level]) !== 0) return this.fault(WF_RESERVED, r);
    this.leafLevel = level;
    attr |= ((hi >>> PTE_HI_PK_SHIFT) & 0xf) << ATTR_PK_SHIFT;
    attr |= (level - 1) << ATTR_SIZE_SHIFT;
    if ((lo & PTE_D) !== 0) attr |= ATTR_D;
    if ((lo & PTE_G) !== 0 && (r.cr4 & CR4_PGE) !== 0) attr |= ATTR_G;
    this.attr = attr;
    const denied = rightsFault(attr, this.access, r);
    if (denied !== 0) return this.deny(denied);
    const a = entryAddrOf(lo, hi);
    this.pageBase = level === 1 ? a : a - (a % 2 ** (3 + 9 * level));
    this.status = WALK_OK;
    return WALK_OK;
  }

  /** The walk ends in a #PF: a not-present or reserved-bit fault (4.7 error code from the access). */
  private fault(kind: number, r: MmuRegs): number {
    this.faultKind = kind;
    this.errorCode = (kind === WF_RESERVED ? PFEC_RSVD | PFEC_P : 0) | accessErrorBits(this.access, r);
    this.status = WALK_FAULT;
    return WALK_FAULT;
  }

  /** The walk ends in a #PF: the leaf's rights deny the access (error code from rightsFault). */
  private deny(errorCode: number): number {
    this.faultKind = WF_RIGHTS;
    this.errorCode = errorCode;
    this.status = WALK_FAULT;
    return WALK_FAULT;
  }

  private setA(level: number, addr: number, lo: number): void {
    this.phys.write32(addr, (lo | PTE_A) >>> 0);
    this.setEarly |= 1 << level;
  }

  /** 4.8: sets A in every entry the successful walk used, and D in the leaf for a write. */
  commit(): void {
    // (Eager: the non-leaf entries got A as the walk passed them; only the leaf is left.)
    for (let l = this.eager ? this.leafLevel : this.startLevel; l >= this.leafLevel; l--) {
      const want = l === this.leafLevel && this.access === ACC_WRITE ? PTE_A | PTE_D : PTE_A;
      // Flags never clear during a translation, so an entry read with them set still has them.
      if (((this.entryLo[l] | ((this.setEarly >> l) & 1 ? PTE_A : 0)) & want) === want) continue;
      const addr = this.entryAddr[l];
      const cur = this.phys.read32(addr);
      if ((cur & want) !== want) this.phys.write32(addr, (cur | want) >>> 0);
    }
    if (this.access === ACC_WRITE) this.attr |= ATTR_D;
  }
}
