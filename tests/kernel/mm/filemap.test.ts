// The page cache: cold pages are major faults (with read-around), truncation unmaps pages past
// EOF (SIGBUS there) and zeroes the partial page, writeback cleans and write-protects, reclaim
// frees clean unmapped pages and never dirty or shmem ones.
import { describe, expect, it } from 'vitest';
import { Sim } from './sim.ts';
import { MAP, PROT, SIG } from '../../../kernel/uapi/constants.ts';
import { AddressSpace, shrinkPageCache, checkInvariants } from '../../../kernel/mm/index.ts';
import { PG_READAHEAD } from '../../../kernel/mm/frames.ts';

const P = 4096;

describe('AddressSpace (page cache)', () => {
  it('a page only on the device is a major fault that reads around it; its retry maps the fault-around window but the PG_readahead page', () => {
    const s = new Sim();
    const data = new Uint8Array(64 * P).map((_, i) => (i >> 12) + 1);
    const as = new AddressSpace(s.kmm, { ino: 5, data });
    const file = { mapping: as, path: '/bin/x', readable: true, writable: false };
    const m = s.mmap(0x200000000, 64 * P, PROT.PROT_READ, MAP.MAP_PRIVATE | MAP.MAP_FIXED, file, 0);
    const c0 = s.clock.now + s.kmm.cycles;
    expect(s.read8(m + 20 * P)).toBe(21);
    expect(s.faults()).toEqual([0, 1]);
    expect(s.kmm.fault.decision).toBe('major');
    expect(s.kmm.cycles + s.clock.now - c0).toBeGreaterThan(100_000);
    expect(as.pages.size).toBe(32); // read-around: pages 4..35, page 28 (start + 32 - 8) marked PG_readahead
    // VM_FAULT_RETRY: the retried fault maps pages 16..31 by fault-around, except the marked page
    expect(s.read8(m + 16 * P)).toBe(17);
    expect(s.read8(m + 31 * P)).toBe(32);
    expect(s.faults()).toEqual([0, 0]);
    expect(s.read8(m + 28 * P)).toBe(29); // cached, not mapped: minor, and async readahead of 36..63
    expect(s.faults()).toEqual([1, 0]);
    expect(as.pages.size).toBe(60);
    expect(s.read8(m + 35 * P)).toBe(36); // cached by read-around, not mapped: minor
    expect(s.faults()).toEqual([1, 0]);
    expect(s.read8(m + 50 * P)).toBe(51);
    expect(s.faults()).toEqual([1, 0]);
    expect(s.read8(m + 2 * P)).toBe(3); // never read: major
    expect(s.faults()).toEqual([0, 1]);
  });

  it('read(2) of a page that is not cached starts page_cache_sync_ra: an initial window at the start of the file or after the previous read, only the page after a gap', () => {
    const s = new Sim();
    const as = new AddressSpace(s.kmm, { ino: 7, data: new Uint8Array(32 * P).fill(1) });
    const cached = () => [...as.pages.keys()].sort((a, b) => a - b);
    const marked = () => cached().filter((p) => (s.kmm.frames.flags[as.pages.get(p)!] & PG_READAHEAD) !== 0);
    as.read(8, 8, true); // index 0: get_init_ra_size(1) = 4 pages, async 3 → page 1 marked
    expect(cached()).toEqual([0, 1, 2, 3]);
    expect(marked()).toEqual([1]);
    as.read(10 * P, 8, true); // not sequential, no cached run below: just the page
    expect(cached()).toEqual([0, 1, 2, 3, 10]);
    as.read(11 * P, 8, true); // right after the previous read: initial window again
    expect(cached()).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 14]);
    expect(marked()).toEqual([1, 12]);
    // a marked page loses its mark and, not being where the window expects it, starts a window at the
    // next missing page: get_next_ra_size(4 - 1 + 1) = 8 pages in order-2 folios, the first one marked
    as.read(P, 8, true);
    expect(cached()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(marked()).toEqual([4, 5, 6, 7, 12]);
    const cold = new AddressSpace(s.kmm, { ino: 8, data: new Uint8Array(8 * P).fill(2) });
    expect(cold.read(0, 8).length).toBe(8); // in-kernel readers read just the page
    expect([...cold.pages.keys()]).toEqual([0]);
  });

  it('truncation unmaps and drops pages past the new EOF, zeroes the tail of the last page, and SIGBUS follows', () => {
    const s = new Sim();
    const f = s.file(3 * P);
    const m = s.mmap(0x200000000, 3 * P, PROT.PROT_READ | PROT.PROT_WRITE, MAP.MAP_SHARED | MAP.MAP_FIXED, f, 0);
    const p = s.mmap(0x200010000, 3 * P, PROT.PROT_READ | PROT.PROT_WRITE, MAP.MAP_PRIVATE | MAP.MAP_FIXED, f, 0);
    s.write8(m + 2 * P, 0x77);
    s.write8(p + 2 * P, 0x66); // a private COW copy past the new EOF goes too (even_cows)
    f.mapping.truncate(P + 8);
    expect(s.read8(m + 2 * P)).toBe(-1);
    expect(s.sig).toBe(SIG.SIGBUS);
    expect(s.read8(p + 2 * P)).toBe(-1);
    expect(s.read8(m + P + 7)).toBe(0xf0);
    expect(s.read8(m + P + 8)).toBe(0);
    expect(f.mapping.read(P, 100).length).toBe(8);
    expect(checkInvariants(s.kmm)).toEqual([]);
  });

  it('reclaim frees clean unmapped file pages but keeps dirty ones', () => {
    const s = new Sim();
    const as = new AddressSpace(s.kmm, { ino: 6, data: new Uint8Array(8 * P).fill(1) });
    as.read(0, 8 * P);
    expect(as.pages.size).toBe(8);
    as.write(0, new Uint8Array([9]));
    const freed = shrinkPageCache(s.kmm, 100) + shrinkPageCache(s.kmm, 100);
    expect(freed).toBe(7);
    expect([...as.pages.keys()]).toEqual([0]);
    expect(as.read(P, 1)[0]).toBe(1);
    as.fsync();
    expect(as.nrDirty).toBe(0);
    expect(as.disk.get(0)![0]).toBe(9);
  });
});
