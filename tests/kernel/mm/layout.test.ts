// Address-space layout: mmap_base below the stack gap (randomized by up to 2^28 pages), the
// [vvar] area at the top of the mmap area, randomized stack top and brk, the initial [stack] VMA.
import { describe, expect, it } from 'vitest';
import { Sim } from './sim.ts';
import { randomizeStackTop, archRandomizeBrk, setupArgPages, STACK_TOP, TASK_SIZE, showMaps } from '../../../kernel/mm/index.ts';

describe('layout', () => {
  it('randomize_va_space 0: mmap_base = TASK_SIZE - 128 MiB, [vvar] right below it, stack top unrandomized', () => {
    const s = new Sim({ aslr: 0 });
    expect(s.mm.mmapBase).toBe(TASK_SIZE - 128 * 1024 * 1024);
    expect(s.mm.vmas.first!.special).toBe('[vvar]');
    expect(s.mm.vmas.first!.end).toBe(s.mm.mmapBase);
    expect(randomizeStackTop(s.kmm, STACK_TOP)).toBe(STACK_TOP);
  });

  it('randomize_va_space 2: mmap_base leaves the 16 GiB + 9 MiB stack gap and moves by whole pages; runs with one seed repeat', () => {
    const bases = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const s = new Sim({ aslr: 2, seed });
      const gap = 8 * 1024 * 1024 + 0x3fffff * 4096 + 1024 * 1024;
      expect(s.mm.mmapBase % 4096).toBe(0);
      expect(s.mm.mmapBase).toBeLessThanOrEqual(TASK_SIZE - gap);
      expect(s.mm.mmapBase).toBeGreaterThanOrEqual(TASK_SIZE - gap - 2 ** 28 * 4096);
      bases.add(s.mm.mmapBase);
      const top = randomizeStackTop(s.kmm, STACK_TOP);
      expect(STACK_TOP - top).toBeLessThan(16 * 2 ** 30);
      s.mm.brk = 0x601000;
      const b = archRandomizeBrk(s.kmm, s.mm);
      expect(b - 0x601000).toBeLessThan(0x2000000);
    }
    expect(bases.size).toBeGreaterThan(15);
    expect(new Sim({ aslr: 2, seed: 5 }).mm.mmapBase).toBe(new Sim({ aslr: 2, seed: 5 }).mm.mmapBase);
  });

  it('setup_arg_pages: a [stack] VMA from the arguments up to the top, 128 KiB below them', () => {
    const s = new Sim({ aslr: 0 });
    const p = STACK_TOP - 100;
    const start = setupArgPages(s.kmm, s.mm, STACK_TOP, p);
    expect(start).toBe(STACK_TOP - 4096 - 128 * 1024);
    expect(showMaps(s.kmm, s.mm)).toMatch(/7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 +\[stack\]\n$/);
    expect(s.mm.stackVm).toBe(33);
  });
});
