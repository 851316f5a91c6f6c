// Test helper: an MMU in 4- or 5-level long mode over page tables built with PageTableBuilder.
import { Clock } from '../../../hw/clock.ts';
import { PhysMem } from '../../../hw/mem/phys-mem.ts';
import type { MmuConfigInput } from '../../../hw/mmu/config.ts';
import { Mmu } from '../../../hw/mmu/mmu.ts';
import { CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE } from '../../../hw/mmu/regs.ts';
import { PTE_P, PTE_RW, PTE_US } from '../../../hw/pte.ts';
import { PageTableBuilder, type MapSize } from '../../../tools/scenario/page-tables.ts';

export const USER_RW = BigInt(PTE_P | PTE_RW | PTE_US);
export const XD = 1n << 63n;
export const pk = (key: number) => BigInt(key) << 59n;

export interface TestMachine {
  mmu: Mmu;
  phys: PhysMem;
  clock: Clock;
  pt: PageTableBuilder;
  map(la: bigint, pa: number, flags?: bigint, size?: MapSize, tableFlags?: number): number;
  /** translate() with a bigint linear address. */
  tr(la: bigint, access: number, size?: number): number;
  cr2(): bigint;
}

export function machine(opts: { levels?: 4 | 5; config?: MmuConfigInput; maxPhyAddr?: number; cpl?: number } = {}): TestMachine {
  const phys = new PhysMem(opts.maxPhyAddr ?? 46);
  const clock = new Clock();
  const mmu = new Mmu(phys, clock, opts.config);
  const levels = opts.levels ?? 4;
  const pt = new PageTableBuilder(phys, levels);
  const r = mmu.regs;
  r.cr0 = (CR0_PG | CR0_WP | 0x33) >>> 0;
  r.cr4 = CR4_PAE | (levels === 5 ? CR4_LA57 : 0);
  r.efer = EFER_LME | EFER_LMA | EFER_NXE;
  r.cr3Lo = pt.root;
  r.cpl = opts.cpl ?? 3;
  return {
    mmu, phys, clock, pt,
    map: (la, pa, flags = USER_RW, size = '4K', tableFlags) => pt.map(la, pa, size, flags, tableFlags),
    tr: (la, access, size = 8) => mmu.translate(Number(la & 0xffffffffn), Number((la >> 32n) & 0xffffffffn), access, size),
    cr2: () => (BigInt(r.cr2Hi) << 32n) | BigInt(r.cr2Lo),
  };
}
