// The page cache: cold pages are major faults (with read-around), truncation unmaps pages past
// EOF (SIGBUS there) and zeroes the partial page, writeback cleans and write-protects, reclaim
// frees clean unmapped pages and never dirty or shmem ones.
import { describe, expect, it } from 'vitest';
import { Sim } from './sim.ts';
import { MAP, PROT, SIG } from '../../../kernel/uapi/constants.ts';
import { AddressSpace, shrinkPageCache, checkInvariants } from '../../../kernel/mm/index.ts';

const P = 4096;

describe('AddressSpace (page cache)', () => {
  it('a page only on the device is a major fault that reads around it; the neighbours then fault minor', () => {
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
    expect(as.pages.size).toBe(32); // read-around: 16 pages before, 16 from the fault
    expect(s.read8(m + 30 * P)).toBe(31);
    expect(s.faults()).toEqual([1, 0]);
    expect(s.read8(m + 50 * P)).toBe(51);
    expect(s.faults()).toEqual([0, 1]);
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
