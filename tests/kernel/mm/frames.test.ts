// The buddy allocator: orders split and merge back, exhaustion returns -1.
import { describe, expect, it } from 'vitest';
import { FrameAllocator, MAX_PAGE_ORDER, PG_BUDDY } from '../../../kernel/mm/frames.ts';

describe('FrameAllocator (buddy)', () => {
  it('hands out aligned blocks of each order and merges buddies back into a MAX_PAGE_ORDER block', () => {
    const fa = new FrameAllocator(1 << MAX_PAGE_ORDER, 0);
    expect(fa.freeFrames).toBe(1024);
    const a = fa.alloc(0);
    const b = fa.alloc(3);
    const c = fa.alloc(9);
    expect(b % 8).toBe(0);
    expect(c % 512).toBe(0);
    expect(fa.freeFrames).toBe(1024 - 1 - 8 - 512);
    fa.free(a, 0);
    fa.free(b, 3);
    fa.free(c, 9);
    expect(fa.freeFrames).toBe(1024);
    expect(fa.flags[0] & PG_BUDDY).toBe(PG_BUDDY);
    expect(fa.order[0]).toBe(MAX_PAGE_ORDER);
  });

  it('returns -1 when memory is exhausted, and reserved low frames are never handed out', () => {
    const fa = new FrameAllocator(64, 16);
    const got: number[] = [];
    for (let p = fa.alloc(0); p >= 0; p = fa.alloc(0)) got.push(p);
    expect(got.length).toBe(48);
    expect(Math.min(...got)).toBe(16);
    expect(fa.alloc(0)).toBe(-1);
  });
});
