// The invariant checker itself must catch what it promises to catch, or the checks run after
// every kernel test would prove nothing: a leaked frame, a refcount that disagrees with its
// users, and a present PTE granting more than its VMA allows.
import { describe, expect, it } from 'vitest';
import { Sim, RW, PRIV_ANON } from './sim.ts';
import { PROT } from '../../../kernel/uapi/constants.ts';
import { checkInvariants } from '../../../kernel/mm/index.ts';
import { walkToPte } from '../../../kernel/mm/pgtable.ts';
import { PTE_RW } from '../../../hw/pte.ts';

const P = 4096;

describe('checkInvariants', () => {
  it('is clean on a consistent address space', () => {
    const s = new Sim();
    const a = s.mmap(0, 4 * P, RW, PRIV_ANON);
    s.write8(a, 1);
    s.read8(a + P);
    expect(checkInvariants(s.kmm)).toEqual([]);
  });

  it('reports a frame allocated and never given back (a leak)', () => {
    const s = new Sim();
    const pfn = s.kmm.frames.alloc(0);
    expect(pfn).toBeGreaterThan(0);
    expect(checkInvariants(s.kmm).join('\n')).toContain(`pfn ${pfn}: refcount 1 but 0 users`);
  });

  it('reports a mapped frame whose refcount disagrees with the PTEs that map it', () => {
    const s = new Sim();
    const a = s.mmap(0, P, RW, PRIV_ANON);
    const pa = s.access(a, true);
    const pfn = Math.floor(pa / P);
    s.kmm.frames.refcount[pfn]++;
    expect(checkInvariants(s.kmm).join('\n')).toContain(`pfn ${pfn}: refcount 2 but 1 users`);
  });

  it('reports a present PTE that grants write inside a read-only VMA', () => {
    const s = new Sim();
    const a = s.mmap(0, P, PROT.PROT_READ, PRIV_ANON);
    s.read8(a); // maps the zero page read-only
    const ea = walkToPte(s.phys, s.mm.pgd, a);
    s.phys.write32(ea, s.phys.read32(ea) | PTE_RW);
    expect(checkInvariants(s.kmm).length).toBeGreaterThan(0);
  });
});
