// The VMA tree: ordered lookup (find_vma), insert/remove and the gap search of get_unmapped_area,
// checked against a plain sorted list on random operation sequences.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VmaTree } from '../../../kernel/mm/vma-tree.ts';
import { Vma } from '../../../kernel/mm/vma.ts';
import type { Mm } from '../../../kernel/mm/mm.ts';

const mm = {} as Mm;
const P = 4096;

function naiveHighest(list: Vma[], low: number, high: number, size: number): number {
  const gaps: [number, number][] = [];
  let prevEnd = 0;
  for (const v of list) {
    gaps.push([prevEnd, v.start]);
    prevEnd = v.end;
  }
  gaps.push([prevEnd, Infinity]);
  let best = -1;
  for (const [s, e] of gaps) {
    const lo = Math.max(s, low), hi = Math.min(e, high);
    if (hi - lo >= size && hi > best) best = hi;
  }
  return best;
}

function naiveLowest(list: Vma[], low: number, high: number, size: number): number {
  let prevEnd = 0;
  const gaps: [number, number][] = [];
  for (const v of list) {
    gaps.push([prevEnd, v.start]);
    prevEnd = v.end;
  }
  gaps.push([prevEnd, Infinity]);
  for (const [s, e] of gaps) {
    const lo = Math.max(s, low), hi = Math.min(e, high);
    if (hi - lo >= size) return lo;
  }
  return -1;
}

describe('VmaTree', () => {
  it('find_vma returns the first VMA ending above the address; gaps match a linear scan', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.boolean()), { minLength: 1, maxLength: 120 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 210 }), fc.integer({ min: 0, max: 210 }), fc.integer({ min: 1, max: 20 })), { maxLength: 20 }), (ops, queries) => {
        const t = new VmaTree();
        const byStart = new Map<number, Vma>();
        for (const [slot, add] of ops) {
          if (add && !byStart.has(slot)) {
            const v = new Vma(mm, slot * 2 * P, (slot * 2 + 1) * P, 0, 0, null);
            byStart.set(slot, v);
            t.insert(v);
          } else if (!add && byStart.has(slot)) {
            t.remove(byStart.get(slot)!);
            byStart.delete(slot);
          }
        }
        const list = [...byStart.values()].sort((a, b) => a.start - b.start);
        expect([...t]).toEqual(list);
        expect(t.count).toBe(list.length);
        for (const [q, r, sz] of queries) {
          const addr = q * P + 5;
          expect(t.find(addr)).toBe(list.find((v) => v.end > addr) ?? null);
          const low = Math.min(q, r) * P, high = Math.max(q, r) * P + P;
          expect(t.highestGap(low, high, sz * P)).toBe(naiveHighest(list, low, high, sz * P));
          expect(t.lowestGap(low, high, sz * P)).toBe(naiveLowest(list, low, high, sz * P));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('updateBounds keeps the gap search right after a VMA grows in place', () => {
    const t = new VmaTree();
    const a = new Vma(mm, 10 * P, 11 * P, 0, 0, null);
    const b = new Vma(mm, 20 * P, 21 * P, 0, 0, null);
    t.insert(a);
    t.insert(b);
    expect(t.highestGap(0, 20 * P, 9 * P)).toBe(20 * P);
    a.end = 15 * P;
    t.updateBounds(a);
    expect(t.highestGap(0, 20 * P, 9 * P)).toBe(10 * P);
    expect(t.highestGap(0, 20 * P, 5 * P)).toBe(20 * P);
  });
});
