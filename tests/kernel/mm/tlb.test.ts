// TLB coherence through the real MMU: every PTE change the kernel makes is followed by the
// invalidation the hardware needs (INVLPG where loaded, a stale-PCID flush on the next switch).
import { describe, expect, it } from 'vitest';
import { Sim, RW, PRIV_ANON } from './sim.ts';
import { PROT, MAP, SIG, SI_CODES, MADV } from '../../../kernel/uapi/constants.ts';
import { doMprotect, doMunmap, doMadvise, dupMmap } from '../../../kernel/mm/index.ts';

const P = 4096;

describe('TLB coherence', () => {
  it('a cached writable translation stops working after mprotect, munmap and MADV_DONTNEED', () => {
    const s = new Sim();
    const a = s.mmap(0, 3 * P, RW, PRIV_ANON);
    for (let i = 0; i < 3; i++) s.write8(a + i * P, 7);
    expect(s.write8(a, 8)).toBe(true); // now in the TLB
    expect(doMprotect(s.kmm, s.mm, a, P, PROT.PROT_READ)).toBe(0);
    expect(s.write8(a, 9)).toBe(false);
    expect(s.code).toBe(SI_CODES.SEGV_ACCERR);
    expect(s.read8(a + P)).toBe(7);
    expect(doMunmap(s.kmm, s.mm, a + P, P)).toBe(0);
    expect(s.read8(a + P)).toBe(-1);
    expect([s.sig, s.code]).toEqual([SIG.SIGSEGV, SI_CODES.SEGV_MAPERR]);
    expect(s.read8(a + 2 * P)).toBe(7);
    expect(doMadvise(s.kmm, s.mm, a + 2 * P, P, MADV.MADV_DONTNEED, s.acct)).toBe(0);
    expect(s.read8(a + 2 * P)).toBe(0);
  });

  it('two processes with the same address see their own pages across switches (PCIDs kept, stale ones flushed)', () => {
    const s = new Sim();
    const A = s.mm;
    const a = s.mmap(0x200000000, P, RW, PRIV_ANON | MAP.MAP_FIXED);
    s.write8(a, 1);
    const B = dupMmap(s.kmm, A)!;
    s.use(B);
    expect(s.read8(a)).toBe(1);
    s.write8(a, 2); // COW in B
    s.use(A);
    expect(s.read8(a)).toBe(1);
    // A changes its own mapping while B runs: B's switch back must not see A's old entry and vice versa
    s.use(B);
    expect(s.read8(a)).toBe(2);
    s.mm = A;
    expect(doMprotect(s.kmm, A, a, P, PROT.PROT_READ)).toBe(0); // A is not loaded: its PCID goes stale
    s.use(A);
    expect(s.write8(a, 3)).toBe(false);
    s.use(B);
    expect(s.write8(a, 4)).toBe(true);
    expect(s.read8(a)).toBe(4);
  });
});
