// Cycle-stepped timing: latencies per phase, the state machine seen cycle by cycle, and
// translate() (at once) against begin()/tick() (stepped) on random workloads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultMmuConfig } from '../../../hw/mmu/config.ts';
import { ACC_FETCH, ACC_READ, type Mmu } from '../../../hw/mmu/mmu.ts';
import { CR4_PCIDE, CR4_PGE } from '../../../hw/mmu/regs.ts';
import { PTE_G, PTE_P } from '../../../hw/pte.ts';
import { USER_RW, machine, type TestMachine } from './machine.ts';

const LA = 0x00007f1234567000n;
const lat = defaultMmuConfig().latency;
const walk4 = lat.walk.pml4e + lat.walk.pdpte + lat.walk.pde + lat.walk.pte;

function cycles(t: TestMachine, la: bigint, access: number, size = 8): number {
  const c0 = t.clock.now;
  t.tr(la, access, size);
  expect(t.mmu.lastCycles).toBe(t.clock.now - c0);
  return t.clock.now - c0;
}

describe('latencies', () => {
  it('a full 4-level walk costs the L1 and STLB lookups plus one reference per level', () => {
    const t = machine();
    t.map(LA, 0x111000);
    expect(cycles(t, LA, ACC_READ)).toBe(lat.l1Tlb + lat.l2Tlb + walk4);
  });
  it('an L1 TLB hit costs latency.l1Tlb; an STLB hit l1Tlb + l2Tlb', () => {
    const t = machine();
    t.map(LA, 0x111000);
    t.tr(LA, ACC_READ);
    expect(cycles(t, LA, ACC_READ)).toBe(lat.l1Tlb);
    expect(cycles(t, LA, ACC_FETCH)).toBe(lat.l1Tlb + lat.l2Tlb);
  });
  it('a PDE-cache hit leaves one reference (the PTE); a PDPTE-cache hit two', () => {
    const t = machine();
    t.map(LA, 0x111000);
    t.map(LA + 0x1000n, 0x222000);
    t.map(LA + 0x200000n, 0x333000);
    t.tr(LA, ACC_READ);
    expect(cycles(t, LA + 0x1000n, ACC_READ)).toBe(lat.l1Tlb + lat.l2Tlb + lat.walk.pte);
    expect(cycles(t, LA + 0x200000n, ACC_READ)).toBe(lat.l1Tlb + lat.l2Tlb + lat.walk.pde + lat.walk.pte);
  });
  it('with paging-structure caches disabled every walk reads every level', () => {
    const t = machine({ config: { psc: { enabled: false } } });
    t.map(LA, 0x111000);
    t.map(LA + 0x1000n, 0x222000);
    t.tr(LA, ACC_READ);
    expect(cycles(t, LA + 0x1000n, ACC_READ)).toBe(lat.l1Tlb + lat.l2Tlb + walk4);
  });
  it('a 5-level walk adds the PML5E reference; configured latencies are used', () => {
    const t = machine({ levels: 5, config: { latency: { l1Tlb: 2, l2Tlb: 3, walk: { pml5e: 7, pml4e: 6, pdpte: 5, pde: 4, pte: 1 } } } });
    t.map(LA, 0x111000);
    expect(cycles(t, LA, ACC_READ)).toBe(2 + 3 + 7 + 6 + 5 + 4 + 1);
  });
  it('a walk that faults stops at the faulting level', () => {
    const t = machine();
    t.map(LA + 0x1000n, 0x111000); // builds the tables; LA's PTE stays not present
    t.tr(LA + 0x1000n, ACC_READ); // fills the paging-structure caches
    expect(cycles(t, LA, ACC_READ)).toBe(lat.l1Tlb + lat.l2Tlb + lat.walk.pte);
    expect(cycles(t, 0x0000100000000000n, ACC_READ)).toBe(lat.l1Tlb + lat.l2Tlb + lat.walk.pml4e);
  });
  it('a non-canonical address costs no cycles; a straddling access costs both pages', () => {
    const t = machine();
    expect(cycles(t, 0x0000800000000000n, ACC_READ)).toBe(0);
    t.map(LA, 0x111000);
    t.map(LA + 0x1000n, 0x222000);
    t.tr(LA, ACC_READ);
    t.tr(LA + 0x1000n, ACC_READ);
    expect(cycles(t, LA + 0xffcn, ACC_READ, 8)).toBe(2 * lat.l1Tlb);
  });
});

describe('cycle-stepped state machine', () => {
  it('shows phase, level and the entry address being read, cycle by cycle', () => {
    const t = machine();
    const pte = t.map(LA, 0x111000);
    const m = t.mmu;
    m.begin(Number(LA & 0xffffffffn), Number(LA >> 32n), ACC_READ, 8);
    const seen: string[] = [];
    let n = 0;
    for (;;) {
      const s = m.state;
      seen.push(s.phase === 'walk' ? `walk:${s.levelName}@${s.entryAddr.toString(16)}` : s.phase);
      n++;
      if (m.tick()) break;
    }
    expect(n).toBe(lat.l1Tlb + lat.l2Tlb + walk4);
    expect(m.result).toBe(0x111000);
    expect(m.state.phase).toBe('done');
    expect(seen[0]).toBe('l1-tlb');
    expect(seen[lat.l1Tlb]).toBe('l2-tlb');
    const walkSteps = [...new Set(seen.filter((x) => x.startsWith('walk:')))];
    expect(walkSteps).toEqual([
      `walk:pml4e@${t.pt.entryFor(LA, 4).toString(16)}`,
      `walk:pdpte@${t.pt.entryFor(LA, 3).toString(16)}`,
      `walk:pde@${t.pt.entryFor(LA, 2).toString(16)}`,
      `walk:pte@${pte.toString(16)}`,
    ]);
    expect(m.tick()).toBe(true); // done: no further cycles
    expect(t.clock.now).toBe(n);
  });
  it('the entry is read on the last cycle of its reference (a write during the reference is seen)', () => {
    const t = machine({ config: { psc: { enabled: false } } });
    const pte = t.map(LA, 0x111000);
    const m = t.mmu;
    m.begin(Number(LA & 0xffffffffn), Number(LA >> 32n), ACC_READ, 8);
    while (!(m.state.phase === 'walk' && m.state.level === 1)) m.tick();
    t.phys.write64n(pte, 0x999000n | USER_RW);
    while (!m.tick());
    expect(m.result).toBe(0x999000);
  });
});

// ---- translate() and begin()/tick() on random workloads ------------------------------------

type Op =
  | { k: 'tr'; page: number; off: number; access: number; size: number; cpl: number }
  | { k: 'pte'; page: number; flags: number; frame: number }
  | { k: 'invlpg'; page: number }
  | { k: 'cr3'; space: number; noflush: boolean }
  | { k: 'invpcid'; type: number; pcid: number; page: number };

const PAGES = 12;
const pageLa = (p: number) => 0x00007f0000000000n + BigInt(p % 8) * 0x1000n + BigInt(Math.floor(p / 8)) * 0x40000000n;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('tr' as const), page: fc.nat(PAGES - 1), off: fc.nat(4095), access: fc.nat(2), size: fc.constantFrom(1, 2, 4, 8), cpl: fc.constantFrom(0, 3) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('pte' as const), page: fc.nat(PAGES - 1), flags: fc.nat(0x1ff), frame: fc.nat(63) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('invlpg' as const), page: fc.nat(PAGES - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cr3' as const), space: fc.nat(1), noflush: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('invpcid' as const), type: fc.nat(3), pcid: fc.nat(2), page: fc.nat(PAGES - 1) }) },
);

/** Two address spaces (PCIDs 1 and 2) over the same PAGES linear pages; returns their PTE addresses. */
function world(config: object) {
  const t = machine({ config });
  t.mmu.regs.cr4 |= CR4_PGE;
  t.mmu.movToCr4(t.mmu.regs.cr4 | CR4_PCIDE);
  const roots = [t.pt.root];
  const ptes: number[][] = [[], []];
  for (let p = 0; p < PAGES; p++) ptes[0].push(t.map(pageLa(p), 0x1000000 + p * 0x1000, USER_RW | (p % 5 === 0 ? BigInt(PTE_G) : 0n)));
  const PB = t.pt.constructor as new (...a: unknown[]) => typeof t.pt;
  const b = new PB(t.phys, 4, 0x800000);
  roots.push(b.root);
  for (let p = 0; p < PAGES; p++) ptes[1].push(b.map(pageLa(p), 0x2000000 + p * 0x1000, '4K', USER_RW));
  t.mmu.movToCr3(roots[0] | 1, 0);
  return { t, roots, ptes };
}

function apply(w: ReturnType<typeof world>, op: Op, stepped: boolean): unknown[] {
  const m: Mmu = w.t.mmu;
  switch (op.k) {
    case 'tr': {
      m.regs.cpl = op.cpl;
      const la = pageLa(op.page) + BigInt(op.off);
      const lo = Number(la & 0xffffffffn);
      const hi = Number(la >> 32n);
      let pa: number;
      if (stepped) {
        m.begin(lo, hi, op.access, op.size);
        while (!m.tick());
        pa = m.result;
      } else pa = m.translate(lo, hi, op.access, op.size);
      return [pa, m.faultVector, m.faultErrorCode, m.regs.cr2Lo, m.regs.cr2Hi, m.pa2, m.split, w.t.clock.now];
    }
    case 'pte': {
      const space = op.frame & 1;
      w.t.phys.write64n(w.ptes[space][op.page], BigInt(0x3000000 + op.frame * 0x1000) | BigInt(op.flags | PTE_P));
      return [];
    }
    case 'invlpg': {
      const la = pageLa(op.page);
      m.invlpg(Number(la & 0xffffffffn), Number(la >> 32n));
      return [];
    }
    case 'cr3':
      return [m.movToCr3(w.roots[op.space] | (op.space + 1), op.noflush ? 0x80000000 : 0)];
    case 'invpcid': {
      const la = pageLa(op.page);
      return [m.invpcid(op.type, op.pcid, Number(la & 0xffffffffn), Number(la >> 32n))];
    }
  }
}

const configArb = fc.record({
  adPolicy: fc.constantFrom('eager' as const, 'lazy' as const),
  replacement: fc.constantFrom('lru' as const, 'plru' as const, 'random' as const),
  psc: fc.boolean(),
});
const small = (c: { adPolicy: 'eager' | 'lazy'; replacement: 'lru' | 'plru' | 'random'; psc: boolean }) => ({
  adPolicy: c.adPolicy,
  dtlb: [{ name: 'd', pageSizes: ['4K' as const], entries: 8, ways: 4, replacement: c.replacement }],
  itlb: [{ name: 'i', pageSizes: ['4K' as const], entries: 4, ways: 2, replacement: c.replacement }],
  stlb: [{ name: 's', pageSizes: ['4K' as const, '2M' as const], entries: 12, ways: 3, replacement: c.replacement }],
  psc: { enabled: c.psc },
});

describe('translate() equals begin()/tick()', () => {
  it('same results, fault state, cycle counts, memory and counters on random workloads (fast-check)', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { minLength: 1, maxLength: 120 }), (c, ops) => {
        const fast = world(small(c));
        const step = world(small(c));
        for (const op of ops) expect(apply(step, op, true)).toEqual(apply(fast, op, false));
        expect(step.t.mmu.stats).toEqual(fast.t.mmu.stats);
        for (const s of [0, 1]) for (const pte of step.ptes[s]) expect(step.t.phys.read64n(pte)).toBe(fast.t.phys.read64n(pte));
      }),
      {
        numRuns: 300,
        examples: [[{ adPolicy: 'eager', replacement: 'lru', psc: true }, [
          // A fault, then an L1 hit on another page (the short path): no fault state may linger.
          { k: 'tr', page: 1, off: 0, access: 0, size: 8, cpl: 3 },
          { k: 'pte', page: 2, flags: 0x1, frame: 0 },
          { k: 'tr', page: 2, off: 0, access: 0, size: 8, cpl: 3 },
          { k: 'tr', page: 1, off: 0, access: 0, size: 8, cpl: 3 },
        ]]],
      },
    );
  });
});

describe('properties of the TLBs', () => {
  it('after a full flush every translation equals a fresh walk (fast-check)', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { minLength: 1, maxLength: 100 }), (c, ops) => {
        const cached = world(small(c));
        const fresh = world({ adPolicy: c.adPolicy, itlb: [], dtlb: [], stlb: [], psc: { enabled: false } });
        for (const op of ops) {
          if (op.k === 'tr') {
            cached.t.mmu.flushAll();
            const a = apply(cached, op, false).slice(0, 7);
            const b = apply(fresh, op, false).slice(0, 7);
            expect(a).toEqual(b);
          } else {
            apply(cached, op, false);
            apply(fresh, op, false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a TLB never returns a translation for a PCID other than the current one unless global (fast-check)', () => {
    const noPteWrites = opArb.filter((op) => op.k !== 'pte');
    fc.assert(
      fc.property(configArb, fc.array(noPteWrites, { minLength: 1, maxLength: 150 }), (c, ops) => {
        const w = world(small(c));
        for (const op of ops) {
          const r = apply(w, op, false);
          if (op.k !== 'tr' || r[0] === -1) continue;
          // Page tables never change here, so the only right answer is the current space's mapping
          // (global pages of space A map the same linear page in every space in Linux; here they may
          // differ, and then the global translation from space A is legitimately used under PCID 2).
          const space = w.t.mmu.currentPcid - 1;
          const la = pageLa(op.page) + BigInt(op.off);
          const pageBase = Number(r[0]) - (Number(la & 0xfffn));
          const own = (space === 0 ? 0x1000000 : 0x2000000) + op.page * 0x1000;
          const globalA = 0x1000000 + op.page * 0x1000;
          if (op.page % 5 === 0) expect([own, globalA]).toContain(pageBase);
          else expect(pageBase).toBe(own);
        }
      }),
      { numRuns: 150 },
    );
  });
});

