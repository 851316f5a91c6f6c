// SDM Vol. 3A 4.10: TLBs, paging-structure caches, PCIDs, global pages and invalidation.
import { describe, expect, it } from 'vitest';
import { ACC_FETCH, ACC_READ, ACC_WRITE } from '../../../hw/mmu/mmu.ts';
import { CR0_PG, CR0_WP, CR4_PCIDE, CR4_PGE, CR4_SMEP } from '../../../hw/mmu/regs.ts';
import { PTE_A, PTE_D, PTE_G, PTE_P, PTE_US } from '../../../hw/pte.ts';
import { USER_RW, machine } from './machine.ts';

const LA = 0x00007f1234567000n;
const lo = (la: bigint) => Number(la & 0xffffffffn);
const hi = (la: bigint) => Number(la >> 32n);
const GLOBAL = USER_RW | BigInt(PTE_G);

/** Remap LA to another frame by writing the PTE, without any invalidation. */
function remap(t: ReturnType<typeof machine>, pte: number, pa: number, flags = USER_RW) {
  t.phys.write64n(pte, BigInt(pa) | flags);
}

describe('SDM 4.10.2/4.10.4.3: no implicit coherence', () => {
  it('after a PTE write without invalidation the stale translation is used while cached', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000);
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    remap(t, pte, 0x222000);
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    t.mmu.invlpg(lo(LA), hi(LA));
    expect(t.tr(LA, ACC_READ)).toBe(0x222000);
  });
  it('a translation whose PTE was made not-present stays usable until invalidated', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000);
    t.tr(LA, ACC_READ);
    t.phys.write64n(pte, 0n);
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    t.mmu.invlpg(lo(LA), hi(LA));
    expect(t.tr(LA, ACC_READ)).toBe(-1);
  });
  it('the PDE cache keeps a stale page-table address until INVLPG (SDM 4.10.3)', () => {
    const t = machine();
    t.map(LA, 0x111000);
    t.map(LA + 0x1000n, 0x333000);
    t.tr(LA, ACC_READ);
    // Point the PDE at a new page table mapping LA+0x1000 elsewhere; the PDE cache still holds the old one.
    const newPt = t.pt.alloc();
    t.phys.write64n(newPt + Number(((LA + 0x1000n) >> 12n) & 0x1ffn) * 8, 0x444000n | USER_RW);
    const pde = t.pt.entryFor(LA, 2);
    t.phys.write64n(pde, BigInt(newPt) | USER_RW);
    expect(t.tr(LA + 0x1000n, ACC_READ)).toBe(0x333000);
    t.mmu.invlpg(lo(LA), hi(LA)); // INVLPG drops all PSC entries of the current PCID
    expect(t.tr(LA + 0x1000n, ACC_READ)).toBe(0x333000); // still in the TLB
    t.mmu.invlpg(lo(LA + 0x1000n), hi(LA));
    expect(t.tr(LA + 0x1000n, ACC_READ)).toBe(0x444000);
  });
  it('a write to a TLB entry cached with D=0 walks again and sets D (SDM 4.8)', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000);
    t.tr(LA, ACC_READ);
    const walks = t.mmu.stats.walks;
    expect(t.tr(LA, ACC_WRITE)).toBe(0x111000);
    expect(t.mmu.stats.walks).toBe(walks + 1);
    expect(t.mmu.stats.dirtyWalks).toBe(1);
    expect(t.phys.read64n(pte) & BigInt(PTE_D)).toBe(BigInt(PTE_D));
    t.tr(LA, ACC_WRITE);
    expect(t.mmu.stats.walks).toBe(walks + 1);
  });
  it('a fault from a stale cached entry invalidates it, so it occurs at most once (SDM 4.10.4.3)', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000, BigInt(PTE_P | PTE_US | PTE_A | PTE_D));
    t.tr(LA, ACC_READ);
    remap(t, pte, 0x111000, USER_RW | BigInt(PTE_A | PTE_D)); // R/W 0 → 1 without INVLPG
    expect(t.tr(LA, ACC_WRITE)).toBe(-1); // spurious: the cached entry says read-only
    expect(t.mmu.faultErrorCode).toBe(0x7);
    expect(t.tr(LA, ACC_WRITE)).toBe(0x111000);
  });
  it('CR0.WP is applied to cached entries at each use (no flush needed)', () => {
    const t = machine({ cpl: 0 });
    t.map(LA, 0x111000, BigInt(PTE_P | PTE_A | PTE_D));
    t.mmu.regs.cr0 &= ~CR0_WP;
    expect(t.tr(LA, ACC_WRITE)).toBe(0x111000);
    expect(t.mmu.movToCr0(t.mmu.regs.cr0 | CR0_WP)).toBe(true);
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
  });
});

describe('SDM 4.10.4.1: invalidation operations', () => {
  it('MOV to CR3 (PCIDE=0) invalidates non-global entries and keeps global ones (CR4.PGE=1)', () => {
    const t = machine();
    t.mmu.regs.cr4 |= CR4_PGE;
    const pteG = t.map(LA, 0x111000, GLOBAL);
    const pteN = t.map(LA + 0x1000n, 0x222000);
    t.tr(LA, ACC_READ);
    t.tr(LA + 0x1000n, ACC_READ);
    remap(t, pteG, 0x333000, GLOBAL);
    remap(t, pteN, 0x444000);
    expect(t.mmu.movToCr3(t.mmu.regs.cr3Lo, 0)).toBe(true);
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    expect(t.tr(LA + 0x1000n, ACC_READ)).toBe(0x444000);
  });
  it('G is ignored when CR4.PGE=0: MOV to CR3 invalidates the entry', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000, GLOBAL);
    t.tr(LA, ACC_READ);
    remap(t, pte, 0x333000, GLOBAL);
    t.mmu.movToCr3(t.mmu.regs.cr3Lo, 0);
    expect(t.tr(LA, ACC_READ)).toBe(0x333000);
  });
  it('INVLPG invalidates a global entry for the page', () => {
    const t = machine();
    t.mmu.regs.cr4 |= CR4_PGE;
    const pte = t.map(LA, 0x111000, GLOBAL);
    t.tr(LA, ACC_READ);
    remap(t, pte, 0x333000, GLOBAL);
    t.mmu.invlpg(lo(LA), hi(LA));
    expect(t.tr(LA, ACC_READ)).toBe(0x333000);
  });
  it('INVLPG of a 4 KiB address inside a 2 MiB page invalidates the 2 MiB entry', () => {
    const t = machine();
    const la = 0x00007f1234400000n;
    const pde = t.map(la, 0x40000000, USER_RW, '2M');
    t.tr(la + 0x5000n, ACC_READ);
    t.phys.write64n(pde, 0x80000000n | USER_RW | 0x80n);
    expect(t.tr(la + 0x5000n, ACC_READ)).toBe(0x40005000);
    t.mmu.invlpg(lo(la + 0x1ff000n), hi(la));
    expect(t.tr(la + 0x5000n, ACC_READ)).toBe(0x80005000);
  });
  it('MOV to CR4 changing PGE invalidates everything, global entries included', () => {
    const t = machine();
    t.mmu.regs.cr4 |= CR4_PGE;
    const pte = t.map(LA, 0x111000, GLOBAL);
    t.tr(LA, ACC_READ);
    remap(t, pte, 0x333000, GLOBAL);
    expect(t.mmu.movToCr4(t.mmu.regs.cr4 & ~CR4_PGE)).toBe(true);
    expect(t.tr(LA, ACC_READ)).toBe(0x333000);
  });
  it('MOV to CR4 setting SMEP invalidates the current PCID; other CR4 writes do not', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000);
    t.tr(LA, ACC_READ);
    remap(t, pte, 0x333000);
    t.mmu.movToCr4(t.mmu.regs.cr4); // no change
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    t.mmu.movToCr4(t.mmu.regs.cr4 | CR4_SMEP);
    expect(t.tr(LA, ACC_READ)).toBe(0x333000);
  });
  it('MOV to CR0 clearing PG invalidates everything', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000);
    t.tr(LA, ACC_READ);
    remap(t, pte, 0x333000);
    const cr0 = t.mmu.regs.cr0;
    t.mmu.movToCr0(cr0 & ~CR0_PG);
    expect(t.tr(0x5000n, ACC_READ)).toBe(0x5000); // paging off: linear = physical
    t.mmu.movToCr0(cr0);
    expect(t.tr(LA, ACC_READ)).toBe(0x333000);
  });
  it('MOV to CR3 with a bit at or above MAXPHYADDR is refused (#GP) and changes nothing', () => {
    const t = machine({ maxPhyAddr: 40 });
    const cr3 = t.mmu.regs.cr3Lo;
    expect(t.mmu.movToCr3(0x5000, 0x100)).toBe(false);
    expect(t.mmu.regs.cr3Lo).toBe(cr3);
    expect(t.mmu.movToCr3(0x5000, 0x80000000)).toBe(false); // bit 63 is reserved while CR4.PCIDE = 0
  });
  it('INVPCID types 0 and 1 with a PCID other than 0 are refused (#GP) while CR4.PCIDE = 0', () => {
    const t = machine();
    expect(t.mmu.invpcid(1, 3)).toBe(false);
    expect(t.mmu.invpcid(1, 0)).toBe(true);
    expect(t.mmu.invpcid(2, 3)).toBe(true); // types 2 and 3 ignore the PCID
  });
  it('with LA57, a PML5E-cache hit skips one level and a PDE-cache hit four', () => {
    const t = machine({ levels: 5 });
    const la = 0x00ab_cd12_3456_7000n;
    t.map(la, 0x111000);
    t.map(la + 0x1000n, 0x222000);
    t.map(la + 0x0000_0100_0000_0000n, 0x333000); // another PML4E under the same PML5E
    t.tr(la, ACC_READ);
    const refs = t.mmu.stats.walkRefs;
    t.tr(la + 0x1000n, ACC_READ);
    expect(t.mmu.stats.walkRefs - refs).toBe(1);
    t.tr(la + 0x0000_0100_0000_0000n, ACC_READ);
    expect(t.mmu.stats.walkRefs - refs).toBe(1 + 4);
    expect(t.mmu.stats.psc.pml5e.hits).toBe(1);
  });
});

describe('SDM 4.10.1: PCIDs', () => {
  /** Two address spaces with different frames at LA, PCIDs 1 and 2. */
  function twoSpaces() {
    const t = machine();
    t.mmu.regs.cr4 |= CR4_PGE;
    expect(t.mmu.movToCr4(t.mmu.regs.cr4 | CR4_PCIDE)).toBe(true);
    const rootA = t.pt.root;
    const pteA = t.map(LA, 0x111000);
    const b = new (t.pt.constructor as typeof import('../../../tools/scenario/page-tables.ts').PageTableBuilder)(t.phys, 4, 0x800000);
    const pteB = b.map(LA, 0x222000, '4K', USER_RW);
    return { t, rootA, rootB: b.root, pteA, pteB };
  }
  it('entries are tagged with the PCID: switching PCID does not use the other space’s entries', () => {
    const { t, rootA, rootB } = twoSpaces();
    t.mmu.movToCr3(rootA | 1, 0);
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    t.mmu.movToCr3(rootB | 2, 0);
    expect(t.tr(LA, ACC_READ)).toBe(0x222000);
    expect(t.mmu.currentPcid).toBe(2);
  });
  it('MOV to CR3 with bit 63 set keeps the new PCID’s entries; without it they are invalidated', () => {
    const { t, rootA, rootB, pteA } = twoSpaces();
    t.mmu.movToCr3(rootA | 1, 0);
    t.tr(LA, ACC_READ);
    remap(t, pteA, 0x555000);
    t.mmu.movToCr3(rootB | 2, 0);
    t.mmu.movToCr3(rootA | 1, 0x80000000); // no-flush
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    t.mmu.movToCr3(rootA | 1, 0);
    expect(t.tr(LA, ACC_READ)).toBe(0x555000);
  });
  it('a global entry is used under every PCID', () => {
    const { t, rootA, rootB, pteA } = twoSpaces();
    t.phys.write64n(pteA, 0x111000n | GLOBAL);
    t.mmu.movToCr3(rootA | 1, 0);
    t.tr(LA, ACC_READ);
    t.mmu.movToCr3(rootB | 2, 0);
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
  });
  it('INVPCID type 0 invalidates one page of one PCID (not global); type 1 a whole PCID', () => {
    const { t, rootA, pteA } = twoSpaces();
    t.mmu.movToCr3(rootA | 1, 0);
    t.tr(LA, ACC_READ);
    remap(t, pteA, 0x555000);
    expect(t.mmu.invpcid(0, 2, lo(LA), hi(LA))).toBe(true); // another PCID: no effect
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    t.mmu.invpcid(0, 1, lo(LA), hi(LA));
    expect(t.tr(LA, ACC_READ)).toBe(0x555000);
    remap(t, pteA, 0x666000);
    t.mmu.invpcid(1, 1);
    expect(t.tr(LA, ACC_READ)).toBe(0x666000);
  });
  it('INVPCID type 3 keeps global entries, type 2 removes them', () => {
    const { t, rootA, pteA } = twoSpaces();
    t.phys.write64n(pteA, 0x111000n | GLOBAL);
    t.mmu.movToCr3(rootA | 1, 0);
    t.tr(LA, ACC_READ);
    remap(t, pteA, 0x555000, GLOBAL);
    t.mmu.invpcid(3, 0);
    expect(t.tr(LA, ACC_READ)).toBe(0x111000);
    t.mmu.invpcid(2, 0);
    expect(t.tr(LA, ACC_READ)).toBe(0x555000);
  });
  it('INVPCID refuses (#GP) a type above 3, a PCID above 0xfff, and a non-canonical type-0 address', () => {
    const { t } = twoSpaces();
    expect(t.mmu.invpcid(4, 0)).toBe(false);
    expect(t.mmu.invpcid(1, 0x1000)).toBe(false);
    expect(t.mmu.invpcid(0, 1, 0, 0x8000)).toBe(false);
  });
  it('CR4.PCIDE cannot be set while CR3[11:0] is not 0 (#GP); clearing it flushes everything', () => {
    const t = machine();
    t.mmu.regs.cr3Lo |= 5;
    expect(t.mmu.movToCr4(t.mmu.regs.cr4 | CR4_PCIDE)).toBe(false);
    t.mmu.regs.cr3Lo &= ~0xfff;
    const pte = t.map(LA, 0x111000);
    expect(t.mmu.movToCr4(t.mmu.regs.cr4 | CR4_PCIDE)).toBe(true);
    t.tr(LA, ACC_READ);
    remap(t, pte, 0x333000);
    t.mmu.movToCr4(t.mmu.regs.cr4 & ~CR4_PCIDE);
    expect(t.tr(LA, ACC_READ)).toBe(0x333000);
  });
});

describe('TLB structure', () => {
  it('split L1: a fetch does not hit an entry filled by a data access, but the STLB holds it', () => {
    const t = machine();
    t.map(LA, 0x111000);
    t.tr(LA, ACC_READ);
    const s0 = t.mmu.stats;
    expect(t.tr(LA, ACC_FETCH)).toBe(0x111000);
    const s1 = t.mmu.stats;
    expect(s1.l1i.misses - s0.l1i.misses).toBe(1);
    expect(s1.l2.hits - s0.l2.hits).toBe(1);
    expect(s1.walks).toBe(s0.walks);
  });
  it('counters: hits, misses, walks, evictions, invalidations per structure', () => {
    const t = machine({ config: { dtlb: [{ name: 'd', pageSizes: ['4K'], entries: 2, ways: 2, replacement: 'lru' }] } });
    for (let i = 0n; i < 3n; i++) t.map(LA + i * 0x1000n, 0x100000 + Number(i) * 0x1000);
    t.tr(LA, ACC_READ);
    t.tr(LA + 0x1000n, ACC_READ);
    t.tr(LA, ACC_READ);
    t.tr(LA + 0x2000n, ACC_READ); // evicts LA + 0x1000 (least recently used)
    t.tr(LA, ACC_READ);
    const s = t.mmu.stats;
    expect(s.l1d).toMatchObject({ hits: 2, misses: 3, evictions: 1 });
    expect(s.walks).toBe(3);
    expect(s.psc.pde.hits).toBe(2);
    t.mmu.invlpg(lo(LA), hi(LA));
    expect(t.mmu.stats.l1d.invalidations).toBe(1);
    expect(t.mmu.stats.l2.invalidations).toBe(1);
  });
  it('pages of a size no L1 array holds are cached in the STLB only', () => {
    const t = machine(); // default iTLB holds 4K and 2M, not 1G
    const la = 0x00007f1240000000n;
    t.map(la, 0x80000000, USER_RW, '1G');
    t.tr(la, ACC_FETCH);
    t.tr(la, ACC_FETCH);
    expect(t.mmu.stats.l1i.hits).toBe(0);
    expect(t.mmu.stats.l2.hits).toBe(1);
  });
  it('PTE_A/PTE_D already set: a walk makes no memory writes', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000, USER_RW | BigInt(PTE_A | PTE_D));
    for (const l of [4, 3, 2]) {
      const e = t.pt.entryFor(LA, l);
      t.phys.write64n(e, t.phys.read64n(e) | BigInt(PTE_A));
    }
    const before = t.phys.read64n(pte);
    t.tr(LA, ACC_WRITE);
    expect(t.phys.read64n(pte)).toBe(before);
  });
});
