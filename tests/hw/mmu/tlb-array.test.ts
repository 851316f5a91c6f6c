// One set-associative array (hw/mmu/tlb.ts): lookup by page size and PCID, replacement
// policies, invalidation; and the trace events the MMU emits.
import { describe, expect, it } from 'vitest';
import { TlbArray } from '../../../hw/mmu/tlb.ts';
import { ACC_READ, ACC_WRITE } from '../../../hw/mmu/mmu.ts';
import type { TraceEvent } from '../../../hw/trace.ts';
import { machine } from './machine.ts';

const page = (n: number) => n * 0x1000; // 4 KiB page n, low half
/** Pages that all map to set 0 of an array with `sets` sets. */
const sameSet = (sets: number, k: number) => page(k * sets);

describe('TlbArray', () => {
  it('holds entries per PCID; a global entry matches every PCID', () => {
    const t = new TlbArray('t', [0], 8, 2, 'lru', 1);
    t.insert(page(1), 0, 0, 5, false, 0x1000, 0);
    t.insert(page(2), 0, 0, 5, true, 0x2000, 0);
    expect(t.lookup(page(1), 0, 5)).toBeGreaterThanOrEqual(0);
    expect(t.lookup(page(1), 0, 6)).toBe(-1);
    expect(t.lookup(page(2), 0, 6)).toBeGreaterThanOrEqual(0);
  });
  it('a 4K+2M array finds a 2 MiB entry from any address in the page, and keeps sizes apart', () => {
    const t = new TlbArray('t', [0, 1], 16, 4, 'lru', 1);
    t.insert(0x200000, 0, 1, 0, false, 0x40000000, 1 << 24);
    expect(t.lookup(0x3ff000, 0, 0)).toBeGreaterThanOrEqual(0);
    expect(t.lookup(0x400000, 0, 0)).toBe(-1);
    t.insert(0x200000, 0, 0, 0, false, 0x5000, 0); // the 4 KiB page number 0x200 is another key
    expect(t.occupancy).toBe(2);
  });
  it('LRU evicts the least recently used way', () => {
    const t = new TlbArray('t', [0], 4, 2, 'lru', 1); // 2 sets
    t.insert(sameSet(2, 0), 0, 0, 0, false, 0, 0);
    t.insert(sameSet(2, 1), 0, 0, 0, false, 0, 0);
    t.hit(t.lookup(sameSet(2, 0), 0, 0)); // way of page k=1 is now least recently used
    t.insert(sameSet(2, 2), 0, 0, 0, false, 0, 0);
    expect(t.lookup(sameSet(2, 0), 0, 0)).toBeGreaterThanOrEqual(0);
    expect(t.lookup(sameSet(2, 1), 0, 0)).toBe(-1);
    expect(t.evictions).toBe(1);
  });
  it('tree-PLRU follows the tree bits, not true LRU: after uses of ways 0, 1, 2 it evicts way 0, then way 3', () => {
    const t = new TlbArray('t', [0], 4, 4, 'plru', 1); // 1 set, 4 ways
    for (let k = 0; k < 4; k++) t.insert(page(k), 0, 0, 0, false, 0, 0); // fills ways 0..3
    for (const k of [0, 1, 2]) t.hit(t.lookup(page(k), 0, 0));
    // The use of way 2 pointed the root at the left pair, whose bit points at way 0 (used before way 1).
    t.insert(page(9), 0, 0, 0, false, 0, 0);
    expect(t.lookup(page(0), 0, 0)).toBe(-1);
    // That fill of way 0 pointed the root right, where the bit points at way 3.
    t.insert(page(10), 0, 0, 0, false, 0, 0);
    expect(t.lookup(page(3), 0, 0)).toBe(-1);
    expect(t.lookup(page(1), 0, 0)).toBeGreaterThanOrEqual(0);
    expect(t.lookup(page(2), 0, 0)).toBeGreaterThanOrEqual(0);
  });
  it('tree-PLRU with a non-power-of-two number of ways never picks a way that does not exist', () => {
    const t = new TlbArray('t', [0], 12, 12, 'plru', 1);
    for (let k = 0; k < 200; k++) {
      const i = t.insert(page(k), 0, 0, 0, false, 0, 0);
      expect(i).toBeLessThan(12);
    }
    expect(t.occupancy).toBe(12);
  });
  it('random replacement is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number) => {
      const t = new TlbArray('t', [0], 8, 8, 'random', seed);
      const victims: number[] = [];
      for (let k = 0; k < 40; k++) victims.push(t.insert(page(k), 0, 0, 0, false, 0, 0));
      return victims.slice(8);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
  it('invalidation counts the entries it removes; flushAll removes global entries too', () => {
    const t = new TlbArray('t', [0], 8, 2, 'lru', 1);
    t.insert(page(1), 0, 0, 1, false, 0, 0);
    t.insert(page(2), 0, 0, 2, false, 0, 0);
    t.insert(page(3), 0, 0, 1, true, 0, 0);
    t.invalidatePcid(1, false);
    expect(t.occupancy).toBe(2);
    t.invalidateNonGlobal();
    expect(t.occupancy).toBe(1);
    t.flushAll();
    expect(t.occupancy).toBe(0);
    expect(t.invalidations).toBe(3);
  });
});

describe('trace events (hw/trace.ts)', () => {
  it("emits 'walk-step' per entry read, then 'translate'; 'tlb-invalidate' for INVLPG", () => {
    const t = machine();
    const la = 0x00007f1234567000n;
    t.map(la, 0x111000);
    const ev: TraceEvent[] = [];
    t.mmu.tracer = { event: (e) => ev.push(e) };
    t.tr(la, ACC_WRITE);
    t.tr(la, ACC_READ);
    t.mmu.invlpg(Number(la & 0xffffffffn), Number(la >> 32n));
    expect(ev.map((e) => e.kind)).toEqual(['walk-step', 'walk-step', 'walk-step', 'walk-step', 'translate', 'translate', 'tlb-invalidate']);
    expect(ev[3]).toMatchObject({ kind: 'walk-step', level: 1, entry: 0x111007n, pscHit: false });
    expect(ev[4]).toMatchObject({ kind: 'translate', la, access: 'write', tlb: 'miss', pa: 0x111000, cycles: 44, cpl: 3 });
    expect(ev[5]).toMatchObject({ kind: 'translate', tlb: 'l1', cycles: 1 });
    expect(ev[6]).toMatchObject({ kind: 'tlb-invalidate', op: 'invlpg', la, pcid: 0 });
  });
  it('a faulting translation carries the fault', () => {
    const t = machine();
    const ev: TraceEvent[] = [];
    t.mmu.tracer = { event: (e) => ev.push(e) };
    t.tr(0x1000n, ACC_READ);
    expect(ev.at(-1)).toMatchObject({ kind: 'translate', pa: -1, fault: { vector: 14, errorCode: 0x4 } });
  });
});
