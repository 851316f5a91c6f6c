// mmap/munmap/mprotect/mremap/brk/madvise/mlock/msync: placement, Linux's argument checks and
// errno values, partial effects, VMA merge and split.
import { describe, expect, it } from 'vitest';
import { Sim, RW, PRIV_ANON } from './sim.ts';
import { PROT, MAP, MREMAP, MADV, MS, ERRNO } from '../../../kernel/uapi/constants.ts';
import {
  ksysMmap, doMunmap, doMprotect, doMremap, doBrk, doMadvise, doMlock, doMunlock, doMsync, doMincore, vmBrkFlags,
  checkInvariants, showMaps,
} from '../../../kernel/mm/index.ts';

const P = 4096;
const spans = (s: Sim) => [...s.mm.vmas].filter((v) => v.special === null).map((v) => [v.start, v.end]);

describe('mmap placement', () => {
  it('places hint-less mappings top-down, merging equal neighbours, and reuses a freed hole from its top', () => {
    const s = new Sim();
    const a = s.mmap(0, 3 * P, RW, PRIV_ANON);
    const b = s.mmap(0, 5 * P, PROT.PROT_READ, PRIV_ANON);
    const c = s.mmap(0, P, RW, PRIV_ANON);
    expect([b, c]).toEqual([a - 5 * P, b - P]);
    expect(doMunmap(s.kmm, s.mm, b, 5 * P)).toBe(0);
    const d = s.mmap(0, 2 * P, PROT.PROT_READ, PRIV_ANON);
    expect(d).toBe(b + 3 * P);
    const e = s.mmap(0, 4 * P, PROT.PROT_READ, PRIV_ANON);
    expect(e).toBe(c - 4 * P);
    const f = s.mmap(0, 2 * P, RW, PRIV_ANON);
    expect(f).toBe(b + P); // directly below d, not merged with it (different protection)
    expect(spans(s)).toEqual([[e, e + 4 * P], [c, c + P], [f, f + 2 * P], [d, d + 2 * P], [a, a + 3 * P]]);
  });

  it('aligns hint-less anonymous mappings whose length is a multiple of 2 MiB to 2 MiB', () => {
    const s = new Sim();
    s.mmap(0, 3 * P, RW, PRIV_ANON);
    const big = s.mmap(0, 0x400000, RW, PRIV_ANON);
    expect(big % 0x200000).toBe(0);
    const small = s.mmap(0, 0x401000, RW, PRIV_ANON);
    expect(small % 0x200000).not.toBe(0);
  });

  it('refuses bad arguments with Linux errno values and in Linux order', () => {
    const s = new Sim();
    const ro = s.file(2 * P, { writable: false });
    const get = (fd: number) => (fd === 3 ? ro : null);
    const m = (addr: number, len: number, prot: number, flags: number, fd = -1, off = 0) => ksysMmap(s.kmm, s.mm, addr, len, prot, flags, fd, off, get, s.acct);
    expect(m(0, 0, RW, PRIV_ANON)).toBe(-ERRNO.EINVAL);
    expect(m(0x200000800, P, RW, PRIV_ANON | MAP.MAP_FIXED)).toBe(-ERRNO.EINVAL);
    expect(m(0, P, RW, MAP.MAP_ANONYMOUS)).toBe(-ERRNO.EINVAL);
    expect(m(0, P, PROT.PROT_READ, MAP.MAP_PRIVATE, 3, 0x800)).toBe(-ERRNO.EINVAL);
    expect(m(0, P, PROT.PROT_READ, MAP.MAP_PRIVATE, 77, 0)).toBe(-ERRNO.EBADF);
    expect(m(0, 0x7ffffffff000, RW, PRIV_ANON)).toBe(-ERRNO.ENOMEM);
    expect(m(0, P, RW, MAP.MAP_SHARED, 3, 0)).toBe(-ERRNO.EACCES);
    expect(m(0, P, RW, MAP.MAP_SHARED | MAP.MAP_ANONYMOUS | MAP.MAP_GROWSDOWN)).toBe(-ERRNO.EINVAL);
    expect(m(0, P, RW, MAP.MAP_SHARED_VALIDATE | MAP.MAP_ANONYMOUS)).toBe(-ERRNO.EINVAL);
    const ok = m(0, P, 0x10, PRIV_ANON);
    expect(ok).toBeGreaterThan(0);
    expect(s.mm.vmas.lookup(ok)!.flags & 7).toBe(0);
    const a = m(0, 4 * P, RW, PRIV_ANON);
    expect(m(a + P, P, RW, PRIV_ANON | MAP.MAP_FIXED_NOREPLACE)).toBe(-ERRNO.EEXIST);
    expect(m(a - 2 * P, 2 * P, RW, PRIV_ANON | MAP.MAP_FIXED_NOREPLACE)).toBe(a - 2 * P);
  });

  it('MAP_FIXED over part of a mapping splits it; max_map_count makes a split fail with ENOMEM', () => {
    const s = new Sim();
    const a = s.mmap(0, 4 * P, RW, PRIV_ANON);
    s.write8(a + P, 0x42);
    expect(s.mmap(a + P, P, PROT.PROT_READ, PRIV_ANON | MAP.MAP_FIXED)).toBe(a + P);
    expect(s.read8(a + P)).toBe(0);
    expect(spans(s)).toEqual([[a, a + P], [a + P, a + 2 * P], [a + 2 * P, a + 4 * P]]);
    const c = s.mmap(0, 3 * P, PROT.PROT_READ, PRIV_ANON);
    s.kmm.maxMapCount = s.mm.mapCount;
    expect(doMunmap(s.kmm, s.mm, c + P, P)).toBe(-ERRNO.ENOMEM); // needs two splits
    expect(doMunmap(s.kmm, s.mm, c + 2 * P, P)).toBe(0); // one split is allowed at the limit
    expect(checkInvariants(s.kmm)).toEqual([]);
  });
});

describe('mprotect', () => {
  it('splits in the middle and merges back; a range running into a hole changes what came before and fails ENOMEM', () => {
    const s = new Sim();
    const a = s.mmap(0, 5 * P, RW, PRIV_ANON);
    for (let i = 0; i < 5; i++) s.write8(a + i * P, 1);
    expect(doMprotect(s.kmm, s.mm, a + P, 2 * P, PROT.PROT_READ)).toBe(0);
    expect(spans(s).length).toBe(3);
    expect(s.write8(a + P, 2)).toBe(false);
    expect(doMprotect(s.kmm, s.mm, a + P, 2 * P, RW)).toBe(0);
    expect(spans(s)).toEqual([[a, a + 5 * P]]);
    s.faults();
    expect(s.write8(a + P, 3)).toBe(true); // exclusive anonymous pages were made writable at once
    expect(s.faults()).toEqual([0, 0]);
    expect(doMunmap(s.kmm, s.mm, a + 3 * P, P)).toBe(0);
    expect(doMprotect(s.kmm, s.mm, a, 5 * P, PROT.PROT_READ)).toBe(-ERRNO.ENOMEM);
    expect(s.mm.vmas.lookup(a)!.flags & 7).toBe(PROT.PROT_READ);
    expect(s.mm.vmas.lookup(a + 4 * P)!.flags & 7).toBe(RW);
    expect(doMprotect(s.kmm, s.mm, a + 16, P, PROT.PROT_READ)).toBe(-ERRNO.EINVAL);
    expect(doMprotect(s.kmm, s.mm, a, P, 0x10)).toBe(-ERRNO.EINVAL);
    expect(doMprotect(s.kmm, s.mm, a + 3 * P, P, PROT.PROT_READ)).toBe(-ERRNO.ENOMEM);
    expect(doMprotect(s.kmm, s.mm, a, 0, PROT.PROT_READ)).toBe(0);
  });

  it('a shared read-only file mapping cannot become writable (EACCES)', () => {
    const s = new Sim();
    const ro = s.file(P, { writable: false });
    const m = s.mmap(0x200000000, P, PROT.PROT_READ, MAP.MAP_SHARED | MAP.MAP_FIXED, ro, 0);
    expect(doMprotect(s.kmm, s.mm, m, P, RW)).toBe(-ERRNO.EACCES);
    expect(showMaps(s.kmm, s.mm)).toContain('200000000-200001000 r--s 00000000 fe:01 12');
  });
});

describe('mremap', () => {
  it('grows in place when free, refuses (ENOMEM) when the next page is taken, and moves with MAYMOVE keeping data', () => {
    const s = new Sim();
    const a = s.mmap(0x200000000, 2 * P, RW, PRIV_ANON | MAP.MAP_FIXED);
    s.write8(a + P, 2);
    expect(doMremap(s.kmm, s.mm, a, 2 * P, 5 * P, 0, 0, s.acct)).toBe(a);
    expect(spans(s)).toContainEqual([a, a + 5 * P]);
    expect(doMremap(s.kmm, s.mm, a, 5 * P, P, 0, 0, s.acct)).toBe(a);
    s.mmap(a + P, P, PROT.PROT_READ, PRIV_ANON | MAP.MAP_FIXED);
    s.write8(a, 7);
    expect(doMremap(s.kmm, s.mm, a, P, 3 * P, 0, 0, s.acct)).toBe(-ERRNO.ENOMEM);
    const b = doMremap(s.kmm, s.mm, a, P, 3 * P, MREMAP.MREMAP_MAYMOVE, 0, s.acct);
    expect(b).toBeGreaterThan(0x300000000);
    s.faults();
    expect(s.read8(b)).toBe(7);
    expect(s.faults()).toEqual([0, 0]); // the PTE moved with the page
    expect(s.read8(a)).toBe(-1);
    expect(doMremap(s.kmm, s.mm, b + 1, P, P, 0, 0, s.acct)).toBe(-ERRNO.EINVAL);
    expect(doMremap(s.kmm, s.mm, b, P, 2 * P, MREMAP.MREMAP_DONTUNMAP, 0, s.acct)).toBe(-ERRNO.EINVAL);
    expect(doMremap(s.kmm, s.mm, 0x100000000, P, P, 0, 0, s.acct)).toBe(-ERRNO.EFAULT);
    const c = doMremap(s.kmm, s.mm, b, P, P, MREMAP.MREMAP_MAYMOVE | MREMAP.MREMAP_FIXED, 0x200100000, s.acct);
    expect(c).toBe(0x200100000);
    expect(s.read8(c)).toBe(7);
    const d = doMremap(s.kmm, s.mm, c, P, P, MREMAP.MREMAP_MAYMOVE | MREMAP.MREMAP_DONTUNMAP, 0, s.acct);
    expect(s.read8(d)).toBe(7);
    expect(s.read8(c)).toBe(0); // still mapped, empty
    expect(checkInvariants(s.kmm)).toEqual([]);
  });
});

describe('brk', () => {
  it('grows the heap, shrinks by whole pages, refuses to go below the start and returns the old break', () => {
    const s = new Sim();
    expect(vmBrkFlags(s.kmm, s.mm, 0x600000, P, 0)).toBe(0);
    s.mm.startBrk = s.mm.brk = 0x601000;
    expect(doBrk(s.kmm, s.mm, 0x601000 + 0x2800, s.acct)).toBe(0x603800);
    expect(spans(s)).toContainEqual([0x601000, 0x604000]); // not merged with the bss VMA ending at start_brk
    expect(showMaps(s.kmm, s.mm)).toMatch(/00601000-00604000 rw-p 00000000 00:00 0 {34}\[heap\]\n/);
    s.write8(0x603000, 1);
    expect(doBrk(s.kmm, s.mm, 0x602000, s.acct)).toBe(0x602000);
    expect(s.read8(0x603000)).toBe(-1);
    expect(doBrk(s.kmm, s.mm, 0x600000, s.acct)).toBe(0x602000);
    expect(doBrk(s.kmm, s.mm, 0x604000, s.acct)).toBe(0x604000);
    expect(s.read8(0x603000)).toBe(0);
  });
});

describe('madvise, mlock, msync, mincore', () => {
  it('DONTNEED drops private pages (zero on the next read) but keeps the page cache of a shared file', () => {
    const s = new Sim();
    const a = s.mmap(0, 2 * P, RW, PRIV_ANON);
    s.write8(a, 5);
    const f = s.file(2 * P);
    const m = s.mmap(0x200000000, 2 * P, RW, MAP.MAP_SHARED | MAP.MAP_FIXED, f, 0);
    s.write8(m, 6);
    expect(doMadvise(s.kmm, s.mm, a, 2 * P, MADV.MADV_DONTNEED, s.acct)).toBe(0);
    expect(doMadvise(s.kmm, s.mm, m, 2 * P, MADV.MADV_DONTNEED, s.acct)).toBe(0);
    expect(s.mm.rssPages()).toBe(0);
    expect(s.read8(a)).toBe(0);
    expect(s.read8(m)).toBe(6);
    expect(doMadvise(s.kmm, s.mm, a + 16, P, MADV.MADV_DONTNEED, s.acct)).toBe(-ERRNO.EINVAL);
    expect(doMadvise(s.kmm, s.mm, a, P, 0x63, s.acct)).toBe(-ERRNO.EINVAL);
    expect(doMadvise(s.kmm, s.mm, a - 0x10000, P, MADV.MADV_DONTNEED, s.acct)).toBe(-ERRNO.ENOMEM);
    expect(doMadvise(s.kmm, s.mm, a, 0, MADV.MADV_DONTNEED, s.acct)).toBe(0);
    expect(doMlock(s.kmm, s.mm, a, P, 0, s.acct)).toBe(0);
    expect(doMadvise(s.kmm, s.mm, a, 2 * P, MADV.MADV_DONTNEED, s.acct)).toBe(-ERRNO.EINVAL);
  });

  it('MADV_POPULATE_WRITE and mlock fault the range in and count the faults; munlock merges the VMAs back', () => {
    const s = new Sim();
    const a = s.mmap(0, 4 * P, RW, PRIV_ANON);
    expect(doMadvise(s.kmm, s.mm, a, 2 * P, MADV.MADV_POPULATE_WRITE, s.acct)).toBe(0);
    expect(s.faults()).toEqual([2, 0]);
    expect(doMlock(s.kmm, s.mm, a + P, 2 * P, 0, s.acct)).toBe(0);
    expect(s.faults()).toEqual([1, 0]);
    expect(s.mm.lockedVm).toBe(2);
    expect(spans(s).length).toBe(3);
    expect(doMunlock(s.kmm, s.mm, a, 4 * P)).toBe(0);
    expect(spans(s)).toEqual([[a, a + 4 * P]]);
    expect(s.mm.lockedVm).toBe(0);
    expect(doMlock(s.kmm, s.mm, a - P, 2 * P, 0, s.acct)).toBe(-ERRNO.ENOMEM);
    expect(doMadvise(s.kmm, s.mm, a, 2 * P, MADV.MADV_DONTFORK, s.acct)).toBe(0);
    expect(spans(s).length).toBe(2);
  });

  it('msync(MS_SYNC) writes back only the synced range; argument errors', () => {
    const s = new Sim();
    const f = s.file(4 * P);
    const m = s.mmap(0x200000000, 4 * P, RW, MAP.MAP_SHARED | MAP.MAP_FIXED, f, 0);
    s.read8(m);
    expect(f.mapping.nrDirty).toBe(4);
    expect(doMsync(s.kmm, s.mm, m + P, P, MS.MS_SYNC)).toBe(0);
    expect(f.mapping.nrDirty).toBe(3);
    expect(doMsync(s.kmm, s.mm, m + 16, P, MS.MS_SYNC)).toBe(-ERRNO.EINVAL);
    expect(doMsync(s.kmm, s.mm, 0x200100000, P, MS.MS_SYNC)).toBe(-ERRNO.ENOMEM);
    expect(doMsync(s.kmm, s.mm, m, P, MS.MS_ASYNC | MS.MS_SYNC)).toBe(-ERRNO.EINVAL);
    expect(doMsync(s.kmm, s.mm, m, 4 * P, MS.MS_SYNC)).toBe(0);
    expect(f.mapping.nrDirty).toBe(0);
  });

  it('mincore reports mapped PTEs and cached file pages', () => {
    const s = new Sim();
    const a = s.mmap(0, 3 * P, RW, PRIV_ANON);
    s.write8(a + P, 1);
    let vec: Uint8Array = new Uint8Array(0);
    expect(doMincore(s.kmm, s.mm, a, 3 * P, 0x1000, (_addr, b) => ((vec = b), true))).toBe(0);
    expect([...vec]).toEqual([0, 1, 0]);
    expect(doMincore(s.kmm, s.mm, a + 1, P, 0x1000, () => true)).toBe(-ERRNO.EINVAL);
    expect(doMincore(s.kmm, s.mm, a - 0x100000, P, 0x1000, () => true)).toBe(-ERRNO.ENOMEM);
  });
});
