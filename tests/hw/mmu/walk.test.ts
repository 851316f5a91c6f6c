// SDM Vol. 3A 4.5 (4-level and 5-level paging, reserved bits), 4.8 (accessed and dirty flags),
// page-straddling accesses and the canonical-address check.
import { describe, expect, it } from 'vitest';
import { ACC_FETCH, ACC_READ, ACC_WRITE } from '../../../hw/mmu/mmu.ts';
import { EFER_NXE } from '../../../hw/mmu/regs.ts';
import { PTE_A, PTE_D, PTE_P, PTE_PS, PTE_RW, PTE_US } from '../../../hw/pte.ts';
import { USER_RW, XD, machine } from './machine.ts';

const LA = 0x00007f1234567000n;

describe('SDM 4.5: page sizes and levels', () => {
  it('a 4 KiB page maps bits 11:0 of the linear address', () => {
    const t = machine();
    t.map(LA, 0x345000);
    expect(t.tr(LA + 0xabcn, ACC_READ, 1)).toBe(0x345abc);
  });
  it('a 2 MiB page (PDE with PS=1) maps bits 20:0; bit 12 of the entry is PAT, not address', () => {
    const t = machine();
    const la = 0x00007f1234400000n;
    t.map(la, 0x40000000, USER_RW | BigInt(1 << 12), '2M');
    expect(t.tr(la + 0x1234n, ACC_READ)).toBe(0x40001234);
    expect(t.tr(la + 0x1fff00n, ACC_READ)).toBe(0x401fff00);
  });
  it('a 1 GiB page (PDPTE with PS=1) maps bits 29:0', () => {
    const t = machine();
    const la = 0x00007f1200000000n + 0x40000000n;
    t.map(la, 0x80000000, USER_RW, '1G');
    expect(t.tr(la + 0x3ffffff8n, ACC_READ)).toBe(0xbffffff8);
  });
  it('5-level paging (CR4.LA57) walks a PML5 table indexed by bits 56:48', () => {
    const t = machine({ levels: 5 });
    const la = 0x00ab_cd12_3456_7000n;
    t.map(la, 0x777000);
    expect(t.tr(la + 8n, ACC_READ)).toBe(0x777008);
    expect(t.mmu.stats.walkRefs).toBe(5);
  });
  it('a physical address above 4 GiB comes through exactly', () => {
    const t = machine();
    t.map(LA, 0x12_3456_7000);
    expect(t.tr(LA + 0xff8n, ACC_READ)).toBe(0x12_3456_7ff8);
  });
});

describe('SDM 4.5: reserved bits → #PF with RSVD|P', () => {
  it('an address bit at or above MAXPHYADDR in a PTE', () => {
    const t = machine({ maxPhyAddr: 40 });
    t.map(LA, 0x345000, USER_RW | (1n << 40n));
    expect(t.tr(LA, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0xd); // RSVD|U|P
  });
  it('PS=1 in a PML4E', () => {
    const t = machine({ cpl: 0 });
    t.map(LA, 0x345000);
    const pml4e = t.pt.entryFor(LA, 4);
    t.phys.write64n(pml4e, t.phys.read64n(pml4e) | BigInt(PTE_PS));
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0xb); // RSVD|W|P
  });
  it('bits 20:13 of a 2 MiB page entry and bits 29:13 of a 1 GiB page entry', () => {
    const t = machine();
    t.map(0x00007f1234400000n, 0x40000000 | (1 << 13), USER_RW, '2M');
    expect(t.tr(0x00007f1234400000n, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0xd);
    t.map(0x00007f1240000000n, 0x80000000 | (1 << 29), USER_RW, '1G');
    expect(t.tr(0x00007f1240000000n, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0xd);
  });
  it('XD=1 while EFER.NXE=0, in any level (and no I/D bit)', () => {
    const t = machine();
    t.mmu.regs.efer &= ~EFER_NXE;
    t.map(LA, 0x345000, USER_RW | XD);
    expect(t.tr(LA, ACC_FETCH)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0xd);
  });
  it('a not-present entry is not checked for reserved bits', () => {
    const t = machine();
    t.map(LA, 0x345000, (1n << 45n) | BigInt(PTE_RW));
    expect(t.tr(LA, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x4);
  });
});

describe('canonical addresses (SDM 3.3.7.1)', () => {
  it('a non-canonical address raises #GP(0) without a walk and leaves CR2 alone', () => {
    const t = machine();
    t.mmu.regs.cr2Lo = 0x1234;
    expect(t.tr(0x0000800000000000n, ACC_READ)).toBe(-1);
    expect(t.mmu.faultVector).toBe(13);
    expect(t.mmu.faultErrorCode).toBe(0);
    expect(t.mmu.regs.cr2Lo).toBe(0x1234);
    expect(t.mmu.stats.walks).toBe(0);
  });
  it('with LA57, bits 63:57 must equal bit 56 instead of bits 63:48 equal to bit 47', () => {
    const t = machine({ levels: 5 });
    t.map(0x0000800000000000n, 0x1000);
    expect(t.tr(0x0000800000000000n, ACC_READ)).toBe(0x1000);
    expect(t.tr(0x0100000000000000n, ACC_READ)).toBe(-1);
    expect(t.mmu.faultVector).toBe(13);
  });
  it('an access whose last byte is non-canonical raises #GP(0)', () => {
    const t = machine();
    t.map(0x00007ffffffff000n, 0x1000);
    expect(t.tr(0x00007ffffffffffcn, ACC_READ, 8)).toBe(-1);
    expect(t.mmu.faultVector).toBe(13);
  });
});

describe('SDM 4.8: accessed and dirty flags', () => {
  const qword = (t: ReturnType<typeof machine>, pa: number) => t.phys.read64n(pa);
  it('a read sets A in every entry used and leaves D clear', () => {
    const t = machine();
    const pte = t.map(LA, 0x345000);
    const entries = [4, 3, 2].map((l) => t.pt.entryFor(LA, l)).concat(pte);
    t.tr(LA, ACC_READ);
    for (const e of entries) expect(qword(t, e) & BigInt(PTE_A)).toBe(BigInt(PTE_A));
    expect(qword(t, pte) & BigInt(PTE_D)).toBe(0n);
  });
  it('a write sets D in the leaf only', () => {
    const t = machine();
    const pte = t.map(LA, 0x345000);
    t.tr(LA, ACC_WRITE);
    expect(qword(t, pte) & BigInt(PTE_D | PTE_A)).toBe(BigInt(PTE_D | PTE_A));
    expect(qword(t, t.pt.entryFor(LA, 2)) & BigInt(PTE_D)).toBe(0n);
  });
  it("a faulting walk: 'eager' sets A in the present non-leaf entries it passed, 'lazy' changes nothing", () => {
    for (const adPolicy of ['eager', 'lazy'] as const) {
      const t = machine({ config: { adPolicy } });
      const pte = t.map(LA, 0x345000, BigInt(PTE_P | PTE_US)); // read-only
      const pde = t.pt.entryFor(LA, 2);
      expect(t.tr(LA, ACC_WRITE)).toBe(-1);
      expect(qword(t, pde) & BigInt(PTE_A)).toBe(adPolicy === 'eager' ? BigInt(PTE_A) : 0n);
      expect(qword(t, pte) & BigInt(PTE_A)).toBe(0n);
    }
  });
  it("'eager': a 1 GiB leaf gets A before its permission check; a 2 MiB leaf does not", () => {
    const t = machine({ config: { adPolicy: 'eager' } });
    const e1g = t.map(0x00007f1240000000n, 0x80000000, BigInt(PTE_P | PTE_US), '1G');
    const e2m = t.map(0x00007f1234400000n, 0x40000000, BigInt(PTE_P | PTE_US), '2M');
    expect(t.tr(0x00007f1240000000n, ACC_WRITE)).toBe(-1);
    expect(t.tr(0x00007f1234400000n, ACC_WRITE)).toBe(-1);
    expect(qword(t, e1g) & BigInt(PTE_A)).toBe(BigInt(PTE_A));
    expect(qword(t, e2m) & BigInt(PTE_A)).toBe(0n);
  });
});

describe('page-straddling accesses', () => {
  const first = 0x00007f1234567000n;
  const second = first + 0x1000n;
  it('are translated per page: pa2 and split give the second part', () => {
    const t = machine();
    t.map(first, 0x111000);
    t.map(second, 0x999000);
    expect(t.tr(first + 0xffdn, ACC_READ, 8)).toBe(0x111ffd);
    expect(t.mmu.split).toBe(3);
    expect(t.mmu.pa2).toBe(0x999000);
  });
  it('a fault in the second page reports CR2 = first byte of the second page', () => {
    const t = machine();
    t.map(first, 0x111000);
    expect(t.tr(first + 0xffdn, ACC_READ, 8)).toBe(-1);
    expect(t.cr2()).toBe(second);
    expect(t.mmu.faultErrorCode).toBe(0x4);
  });
  it('a fault in the first page reports CR2 = the access address and does not look at the second', () => {
    const t = machine();
    t.map(second, 0x999000);
    expect(t.tr(first + 0xffdn, ACC_WRITE, 8)).toBe(-1);
    expect(t.cr2()).toBe(first + 0xffdn);
    expect(t.mmu.stats.walks).toBe(1);
  });
  it("both pages are checked before anything is written ('lazy'); 'eager' dirties the first page", () => {
    for (const adPolicy of ['eager', 'lazy'] as const) {
      const t = machine({ config: { adPolicy } });
      const pte1 = t.map(first, 0x111000);
      t.map(second, 0x999000, BigInt(PTE_P | PTE_US)); // read-only
      expect(t.tr(first + 0xffen, ACC_WRITE, 4)).toBe(-1);
      expect(t.cr2()).toBe(second);
      expect(t.phys.read64n(pte1) & BigInt(PTE_A | PTE_D)).toBe(adPolicy === 'eager' ? BigInt(PTE_A | PTE_D) : 0n);
    }
  });
});
