// SDM Vol. 3A 4.6 (access rights) and 4.7 (page-fault error code), one rule per test.
import { describe, expect, it } from 'vitest';
import { ACC_FETCH, ACC_READ, ACC_WRITE } from '../../../hw/mmu/mmu.ts';
import { CR0_WP, CR4_PKE, CR4_SMAP, CR4_SMEP, EFER_NXE, RFLAGS_AC } from '../../../hw/mmu/regs.ts';
import { PTE_P, PTE_RW, PTE_US } from '../../../hw/pte.ts';
import { USER_RW, XD, machine, pk } from './machine.ts';

const LA = 0x00007f1234567000n;
const PA = 0x345000;
const RO_USER = BigInt(PTE_P | PTE_US);
const SUP_RW = BigInt(PTE_P | PTE_RW);

function m(flags: bigint, cpl: number, tableFlags?: number) {
  const t = machine({ cpl });
  t.map(LA, PA, flags, '4K', tableFlags);
  return t;
}

describe('SDM 4.6.1: U/S', () => {
  it('user read of a supervisor page faults with error 0x5 (P|U)', () => {
    const t = m(SUP_RW, 3);
    expect(t.tr(LA + 8n, ACC_READ)).toBe(-1);
    expect(t.mmu.faultVector).toBe(14);
    expect(t.mmu.faultErrorCode).toBe(0x5);
    expect(t.cr2()).toBe(LA + 8n);
  });
  it('U/S is the AND over all levels: U/S=0 in the PDE makes the page supervisor-mode', () => {
    const t = machine({ cpl: 3 });
    t.pt.map(LA, PA, '4K', USER_RW);
    const pde = t.pt.entryFor(LA, 2);
    t.phys.write64n(pde, t.phys.read64n(pde) & ~BigInt(PTE_US));
    expect(t.tr(LA, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x5);
  });
  it('supervisor read of a user page succeeds when SMAP is off', () => {
    const t = m(USER_RW, 0);
    expect(t.tr(LA + 0x10n, ACC_READ)).toBe(PA + 0x10);
  });
});

describe('SDM 4.6.1: R/W and CR0.WP', () => {
  it('user write to a read-only page faults with error 0x7 even with CR0.WP=0', () => {
    const t = m(RO_USER, 3);
    t.mmu.regs.cr0 &= ~CR0_WP;
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x7);
  });
  it('R/W is the AND over all levels: R/W=0 in the PML4E makes the page read-only', () => {
    const t = m(USER_RW, 3, PTE_P | PTE_US);
    expect(t.tr(LA, ACC_READ)).toBe(PA);
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x7);
  });
  it('supervisor write to read-only page with CR0.WP=0 succeeds', () => {
    const t = m(BigInt(PTE_P), 0);
    t.mmu.regs.cr0 &= ~CR0_WP;
    expect(t.tr(LA, ACC_WRITE)).toBe(PA);
  });
  it('supervisor write to read-only page with CR0.WP=1 faults with error 0x3', () => {
    const t = m(BigInt(PTE_P), 0);
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x3);
  });
});

describe('SDM 4.6.1: execute-disable', () => {
  it('fetch from a page with XD=1 and EFER.NXE=1 faults with I/D (error 0x15 at CPL3)', () => {
    const t = m(USER_RW | XD, 3);
    expect(t.tr(LA, ACC_FETCH, 8)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x15);
    expect(t.tr(LA, ACC_READ)).toBe(PA); // data accesses are unaffected
  });
  it('XD is the OR over all levels: XD=1 in the PDPTE forbids fetches from the page', () => {
    const t = m(USER_RW, 3);
    const pdpte = t.pt.entryFor(LA, 3);
    t.phys.write64n(pdpte, t.phys.read64n(pdpte) | XD);
    expect(t.tr(LA, ACC_FETCH, 8)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x15);
  });
});

describe('SDM 4.6.1: SMEP and SMAP', () => {
  it('SMEP: supervisor fetch from a user page faults with error 0x11', () => {
    const t = m(USER_RW, 0);
    expect(t.tr(LA, ACC_FETCH)).toBe(PA);
    t.mmu.flushAll();
    t.mmu.regs.cr4 |= CR4_SMEP;
    expect(t.tr(LA, ACC_FETCH)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x11);
  });
  it('SMAP: supervisor read of a user page with RFLAGS.AC=0 faults with error 0x1; with AC=1 it succeeds', () => {
    const t = m(USER_RW, 0);
    t.mmu.regs.cr4 |= CR4_SMAP;
    expect(t.tr(LA, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x1);
    t.mmu.regs.rflags |= RFLAGS_AC;
    expect(t.tr(LA, ACC_READ)).toBe(PA);
    expect(t.tr(LA, ACC_WRITE)).toBe(PA);
  });
  it('SMAP: a write with AC=0 faults with error 0x3 even on a writable page', () => {
    const t = m(USER_RW, 0);
    t.mmu.regs.cr4 |= CR4_SMAP;
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x3);
  });
  it('SMAP does not restrict instruction fetches; user accesses ignore SMEP and SMAP', () => {
    const t = m(USER_RW, 0);
    t.mmu.regs.cr4 |= CR4_SMAP;
    expect(t.tr(LA, ACC_FETCH)).toBe(PA);
    t.mmu.regs.cr4 |= CR4_SMEP;
    t.mmu.regs.cpl = 3;
    expect(t.tr(LA, ACC_FETCH)).toBe(PA);
    expect(t.tr(LA, ACC_WRITE)).toBe(PA);
  });
  it('SMAP applies at CPL 1 and 2 too (supervisor mode is CPL < 3)', () => {
    const t = m(USER_RW, 2);
    t.mmu.regs.cr4 |= CR4_SMAP;
    expect(t.tr(LA, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x1);
  });
});

describe('SDM 4.6.2: protection keys', () => {
  const setup = (pkru: number, cpl: number, flags = USER_RW | pk(5)) => {
    const t = m(flags, cpl);
    t.mmu.regs.cr4 |= CR4_PKE;
    t.mmu.regs.pkru = pkru;
    return t;
  };
  it('PKRU.AD for the page key denies a user read: error 0x25 (PK|U|P)', () => {
    const t = setup(1 << 10, 3);
    expect(t.tr(LA, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x25);
  });
  it('PKRU.WD denies a user write (error 0x27) but allows a read', () => {
    const t = setup(2 << 10, 3);
    expect(t.tr(LA, ACC_READ)).toBe(PA);
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x27);
  });
  it('PKRU.WD does not apply to supervisor writes when CR0.WP=0, and does when CR0.WP=1', () => {
    const t = setup(2 << 10, 0);
    t.mmu.regs.cr0 &= ~CR0_WP;
    expect(t.tr(LA, ACC_WRITE)).toBe(PA);
    t.mmu.regs.cr0 |= CR0_WP;
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x23);
  });
  it('keys of other pages do not matter; keys never apply to fetches or to supervisor-mode pages', () => {
    expect(setup(0xfffff3ff, 3).tr(LA, ACC_WRITE)).toBe(PA); // only key 5's bits are clear
    expect(setup(3 << 10, 3).tr(LA, ACC_FETCH)).toBe(PA);
    expect(setup(3 << 10, 0, SUP_RW | pk(5)).tr(LA, ACC_WRITE)).toBe(PA);
  });
  it('PK is reported even when R/W also denies the write (SDM 4.7 lists the PK conditions alone)', () => {
    const t = setup(1 << 10, 3, RO_USER | pk(5));
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x27);
  });
  it('CR4.PKE=0 ignores PKRU', () => {
    const t = setup(3 << 10, 3);
    t.mmu.regs.cr4 &= ~CR4_PKE;
    expect(t.tr(LA, ACC_WRITE)).toBe(PA);
  });
});

describe('SDM 4.7: error code', () => {
  it('a not-present page gives P=0 with W/R and U/S of the access', () => {
    const t = machine({ cpl: 3 });
    expect(t.tr(LA, ACC_WRITE)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x6);
    t.mmu.regs.cpl = 0;
    expect(t.tr(LA, ACC_READ)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x0);
  });
  it('I/D is set for fetches only when EFER.NXE=1 or CR4.SMEP=1', () => {
    const t = machine({ cpl: 3 });
    t.mmu.regs.efer &= ~EFER_NXE;
    expect(t.tr(LA, ACC_FETCH)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x4);
    t.mmu.regs.cr4 |= CR4_SMEP;
    expect(t.tr(LA, ACC_FETCH)).toBe(-1);
    expect(t.mmu.faultErrorCode).toBe(0x14);
  });
});
