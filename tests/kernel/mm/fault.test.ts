// The page-fault handler: zero page, demand-zero, COW copy/reuse after fork, fault-around,
// SIGBUS past EOF, SEGV_MAPERR/ACCERR, stack growth and its guard gap; the invariant checker
// holds after each scenario and nothing leaks once every mm is gone.
import { describe, expect, it } from 'vitest';
import { Sim, RW, PRIV_ANON } from './sim.ts';
import { PROT, MAP, SIG, SI_CODES } from '../../../kernel/uapi/constants.ts';
import { dupMmap, exitMmap, checkInvariants, doMunmap, showSmaps } from '../../../kernel/mm/index.ts';

const P = 4096;

describe('handleMmFault', () => {
  it('a read of an untouched private anonymous page maps the zero page; the first write faults again', () => {
    const s = new Sim();
    const a = s.mmap(0, 4 * P, RW, PRIV_ANON);
    expect(s.read8(a)).toBe(0);
    expect(s.kmm.fault.decision).toBe('zero-page');
    expect(s.faults()).toEqual([1, 0]);
    expect(s.mm.rssPages()).toBe(0);
    expect(s.write8(a + 8, 7)).toBe(true);
    expect(s.kmm.fault.decision).toBe('cow-zero');
    expect(s.faults()).toEqual([1, 0]);
    expect(s.write8(a + P, 1)).toBe(true);
    expect(s.kmm.fault.decision).toBe('demand-zero');
    expect(s.read8(a + 8)).toBe(7);
    expect(s.faults()).toEqual([1, 0]);
    expect(s.mm.rssPages()).toBe(2);
    expect(checkInvariants(s.kmm)).toEqual([]);
  });

  it('no VMA is SEGV_MAPERR, a VMA without the right is SEGV_ACCERR, and neither counts as a fault', () => {
    const s = new Sim();
    const a = s.mmap(0, 2 * P, PROT.PROT_READ, PRIV_ANON);
    expect(s.write8(a, 1)).toBe(false);
    expect([s.sig, s.code]).toEqual([SIG.SIGSEGV, SI_CODES.SEGV_ACCERR]);
    expect(s.read8(a + 2 * P + 0x100000)).toBe(-1);
    expect([s.sig, s.code]).toEqual([SIG.SIGSEGV, SI_CODES.SEGV_MAPERR]);
    expect(s.faults()).toEqual([0, 0]);
    const k = 0xffff888000000000;
    expect(s.read8(k)).toBe(-1); // the direct map is supervisor-only
    expect([s.sig, s.code]).toEqual([SIG.SIGSEGV, SI_CODES.SEGV_MAPERR]);
  });

  it('fork shares private pages copy-on-write: each side copies on write, the last user reuses', () => {
    const s = new Sim();
    const parent = s.mm;
    const pAcct = s.acct;
    const a = s.mmap(0, 3 * P, RW, PRIV_ANON);
    s.write8(a, 0x11);
    s.write8(a + P, 0x22);
    s.faults();
    const child = dupMmap(s.kmm, parent)!;
    expect(checkInvariants(s.kmm)).toEqual([]);
    s.use(child);
    expect(s.read8(a)).toBe(0x11);
    expect(s.faults()).toEqual([0, 0]); // PTEs were copied (the VMA has an anon_vma)
    s.write8(a, 0x33);
    expect(s.kmm.fault.decision).toBe('cow-copy');
    expect(s.read8(a + 2 * P)).toBe(0); // never touched: zero page, faults
    expect(s.faults()).toEqual([2, 0]);
    expect(showSmaps(s.kmm, child)).toMatch(/Shared_Dirty:\s+4 kB/);
    exitMmap(s.kmm, child);
    s.use(parent, pAcct);
    expect(s.read8(a)).toBe(0x11);
    s.write8(a + P, 0x66); // write-protected at fork, now exclusive again: reuse, still a fault
    expect(s.kmm.fault.decision).toBe('cow-reuse');
    expect(s.faults()).toEqual([1, 0]);
    expect(checkInvariants(s.kmm)).toEqual([]);
  });

  it('fork does not copy PTEs of VMAs without an anon_vma: a shared mapping refaults in the child', () => {
    const s = new Sim();
    const parent = s.mm;
    const sh = s.mmap(0, 2 * P, RW, MAP.MAP_SHARED | MAP.MAP_ANONYMOUS);
    s.write8(sh, 9);
    const child = dupMmap(s.kmm, parent)!;
    s.use(child);
    expect(s.read8(sh)).toBe(9);
    expect(s.faults()).toEqual([1, 0]);
    s.write8(sh + P, 4);
    s.use(parent);
    expect(s.read8(sh + P)).toBe(4);
    exitMmap(s.kmm, child);
    expect(checkInvariants(s.kmm)).toEqual([]);
  });

  it('fault-around maps up to 16 cached pages in a window of page-table indices, clamped to the VMA and EOF', () => {
    const s = new Sim();
    const f = s.file(0x30000);
    // a mapping that starts 3 pages into a 64 KiB window
    const m = s.mmap(0x200003000, 0x20000, PROT.PROT_READ, MAP.MAP_SHARED | MAP.MAP_FIXED, f, 0);
    expect(m).toBe(0x200003000);
    s.read8(m + 2 * P); // pte index 5: window [5-2=3 .. 3+16)
    expect(s.faults()).toEqual([1, 0]);
    expect(s.mm.rssPages()).toBe(16);
    s.read8(m + 15 * P);
    expect(s.faults()).toEqual([0, 0]);
    s.read8(m + 16 * P); // pte index 19: window [16..32) → pgoff 13..28, 13..15 already mapped
    expect(s.faults()).toEqual([1, 0]);
    expect(s.mm.rssPages()).toBe(29);
    // a short file: pages past EOF are never mapped and a fault there is SIGBUS
    const g = s.file(0x1800);
    const n = s.mmap(0x200100000, 4 * P, PROT.PROT_READ, MAP.MAP_SHARED | MAP.MAP_FIXED, g, 0);
    s.read8(n);
    expect(s.mm.rssPages()).toBe(29 + 2);
    expect(s.read8(n + 2 * P)).toBe(-1);
    expect([s.sig, s.code]).toEqual([SIG.SIGBUS, SI_CODES.BUS_ADRERR]);
  });

  it('a write to a shared file mapping read before faults again (write-notify) and dirties the page', () => {
    const s = new Sim();
    const f = s.file(2 * P);
    const m = s.mmap(0x200000000, 2 * P, RW, MAP.MAP_SHARED | MAP.MAP_FIXED, f, 0);
    s.read8(m);
    f.mapping.writeback();
    s.faults();
    s.write8(m, 1);
    expect(s.kmm.fault.decision).toBe('shared-write');
    expect(s.faults()).toEqual([1, 0]);
    expect(f.mapping.nrDirty).toBe(1);
    expect(f.mapping.read(0, 1)[0]).toBe(1);
  });

  it('grows-down VMAs grow on any access below them unless that comes within the guard gap of a mapping', () => {
    const s = new Sim();
    const g = s.mmap(0x200200000, 2 * P, RW, PRIV_ANON | MAP.MAP_GROWSDOWN | MAP.MAP_FIXED);
    s.read8(g - 8);
    expect(s.kmm.fault.decision).toBe('stack-growth');
    expect(s.mm.stackVm).toBe(3);
    s.mmap(0x200000000, P, RW, PRIV_ANON | MAP.MAP_FIXED);
    expect(s.read8(g - 0x100000)).toBe(-1);
    expect([s.sig, s.code]).toEqual([SIG.SIGSEGV, SI_CODES.SEGV_MAPERR]);
    expect(s.read8(g - 0x2000)).toBe(0);
    expect(s.mm.vmas.lookup(g - 0x2000)!.start).toBe(g - 0x2000);
    // an inaccessible mapping below does not count for the gap
    const s2 = new Sim();
    const g2 = s2.mmap(0x200200000, P, RW, PRIV_ANON | MAP.MAP_GROWSDOWN | MAP.MAP_FIXED);
    s2.mmap(0x200000000, P, PROT.PROT_NONE, PRIV_ANON | MAP.MAP_FIXED);
    expect(s2.read8(g2 - 0x100000)).toBe(0);
  });

  it('frees every frame once all address spaces exit (no leak)', () => {
    const s = new Sim();
    const before = s.kmm.frames.freeFrames;
    const mm = s.newProcess();
    s.use(mm);
    const a = s.mmap(0, 64 * P, RW, PRIV_ANON);
    for (let i = 0; i < 64; i++) s.write8(a + i * P, i);
    const sh = s.mmap(0, 8 * P, RW, MAP.MAP_SHARED | MAP.MAP_ANONYMOUS);
    for (let i = 0; i < 8; i++) s.write8(sh + i * P, i);
    const c = dupMmap(s.kmm, mm)!;
    s.use(c);
    for (let i = 0; i < 64; i += 3) s.write8(a + i * P, 1);
    expect(doMunmap(s.kmm, c, a, 8 * P)).toBe(0);
    expect(checkInvariants(s.kmm)).toEqual([]);
    exitMmap(s.kmm, c);
    exitMmap(s.kmm, mm);
    expect(checkInvariants(s.kmm)).toEqual([]);
    expect(s.kmm.frames.freeFrames).toBe(before);
  });
});
