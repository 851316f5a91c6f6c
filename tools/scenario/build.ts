// Builds the machine of an explain scenario: registers, page tables for the mappings, and
// the operations of its steps.
import { Clock } from '../../hw/clock.ts';
import { PagewalkError } from '../../hw/errors.ts';
import { PhysMem } from '../../hw/mem/phys-mem.ts';
import { resolveMmuConfig } from '../../hw/mmu/config.ts';
import { Mmu } from '../../hw/mmu/mmu.ts';
import {
  CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_PKE, CR4_SMAP, CR4_SMEP, EFER_LMA, EFER_LME, EFER_NXE, RFLAGS_AC,
} from '../../hw/mmu/regs.ts';
import { PTE_A, PTE_D, PTE_G, PTE_P, PTE_RW, PTE_US } from '../../hw/pte.ts';
import { PageTableBuilder } from './page-tables.ts';
import type { Mapping, Scenario } from './schema.ts';

export interface ScenarioMachine {
  mmu: Mmu;
  phys: PhysMem;
  clock: Clock;
  pt: PageTableBuilder;
}

/** Where the scenario's page tables are allocated, and the span reserved for them. */
export const TABLES_AT = 0x1000000;
const TABLES_SPAN = 0x100000;

const LEVEL_OF = { pml5e: 5, pml4e: 4, pdpte: 3, pde: 2 } as const;
const PAGE_BYTES = { '4K': 0x1000n, '2M': 0x200000n, '1G': 0x40000000n } as const;

export function buildScenario(s: Scenario, overrides: { adPolicy?: 'eager' | 'lazy' } = {}): ScenarioMachine {
  const phys = new PhysMem(s.maxPhyAddr);
  const clock = new Clock();
  let config;
  try {
    config = resolveMmuConfig({ ...s.config, ...(overrides.adPolicy ? { adPolicy: overrides.adPolicy } : {}) });
  } catch (e) {
    throw new PagewalkError(`scenario config: ${(e as Error).message}`);
  }
  const mmu = new Mmu(phys, clock, config);
  // Page tables live from 16 MiB up; mapped frames are wherever the scenario says (not there).
  const pt = new PageTableBuilder(phys, s.levels, TABLES_AT);
  const g = s.registers;
  const r = mmu.regs;
  r.efer = EFER_LME | EFER_LMA | (g.nxe ? EFER_NXE : 0);
  r.cr0 = (CR0_PG | (g.wp ? CR0_WP : 0) | 0x33) >>> 0;
  r.cr4 = CR4_PAE | (s.levels === 5 ? CR4_LA57 : 0) | (g.smep ? CR4_SMEP : 0) | (g.smap ? CR4_SMAP : 0) |
    (g.pke ? CR4_PKE : 0) | (g.pge ? CR4_PGE : 0) | (g.pcide ? CR4_PCIDE : 0);
  r.cr3Lo = pt.root | (g.pcide ? g.pcid : 0);
  r.rflags = 0x2 | (g.ac ? RFLAGS_AC : 0);
  r.pkru = Number(BigInt(g.pkru) & 0xffffffffn);
  r.cpl = g.cpl;
  const m = { mmu, phys, clock, pt };
  s.mappings.forEach((mp, i) => applyMapping(m, mp, `mappings[${i}]`));
  s.steps.forEach((st, i) => {
    if (st.op === 'map') applyMapping(m, st.mapping, `steps[${i}].mapping`, true);
  });
  return m;
}

/** Writes the leaf entry of a mapping (and the tables above it). No invalidation. */
export function applyMapping(m: ScenarioMachine, mp: Mapping, where: string, checkOnly = false): void {
  const la = BigInt(mp.la);
  const pa = BigInt(mp.pa);
  const page = PAGE_BYTES[mp.size];
  if (la % page !== 0n) throw new PagewalkError(`${where}.la: ${mp.la} is not aligned to a ${mp.size} page`);
  if (pa % page !== 0n) throw new PagewalkError(`${where}.pa: ${mp.pa} is not aligned to a ${mp.size} page`);
  if (pa >= 1n << BigInt(m.phys.maxPhyAddr)) throw new PagewalkError(`${where}.pa: ${mp.pa} is above MAXPHYADDR (${m.phys.maxPhyAddr} bits)`);
  const top = m.pt.levels === 5 ? 56n : 47n;
  const sign = la >> top;
  if (sign !== 0n && sign !== (1n << (64n - top)) - 1n) throw new PagewalkError(`${where}.la: ${mp.la} is not canonical`);
  let flags = (mp.present ? BigInt(PTE_P) : 0n) | (mp.writable ? BigInt(PTE_RW) : 0n) | (mp.user ? BigInt(PTE_US) : 0n) |
    (mp.global ? BigInt(PTE_G) : 0n) | (mp.accessed ? BigInt(PTE_A) : 0n) | (mp.dirty ? BigInt(PTE_D) : 0n) |
    (mp.nx ? 1n << 63n : 0n) | (BigInt(mp.pk) << 59n);
  if (mp.extraBits) flags |= BigInt(mp.extraBits);
  const [t0, t1] = [BigInt(TABLES_AT), BigInt(TABLES_AT + TABLES_SPAN)];
  if (pa < t1 && pa + page > t0)
    throw new PagewalkError(`${where}.pa: ${mp.pa} overlaps the page tables (0x${t0.toString(16)}..0x${t1.toString(16)}); use another frame`);
  if (checkOnly) return;
  m.pt.map(la, Number(pa), mp.size, flags);
  if (m.pt.tableRange[1] > TABLES_AT + TABLES_SPAN) throw new PagewalkError(`${where}: too many page tables for a scenario (256 at most)`);
  for (const [name, t] of Object.entries(mp.tables ?? {})) {
    const level = LEVEL_OF[name as keyof typeof LEVEL_OF];
    if (level > m.pt.levels) throw new PagewalkError(`${where}.tables.${name}: there is no ${name} with ${m.pt.levels}-level paging`);
    if (level <= { '4K': 1, '2M': 2, '1G': 3 }[mp.size]) throw new PagewalkError(`${where}.tables.${name}: the ${name} is the leaf of a ${mp.size} page`);
    const ea = m.pt.entryFor(la, level);
    let e = m.phys.read64n(ea);
    const set = (bit: bigint, on: boolean | undefined) => {
      if (on !== undefined) e = on ? e | bit : e & ~bit;
    };
    set(BigInt(PTE_RW), t.writable);
    set(BigInt(PTE_US), t.user);
    set(1n << 63n, t.nx);
    m.phys.write64n(ea, e);
  }
}
