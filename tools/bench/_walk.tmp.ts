import { PhysMem } from '../../hw/mem/phys-mem.ts';
import { MmuRegs, CR0_PG, CR4_PAE, EFER_LMA, EFER_NXE } from '../../hw/mmu/regs.ts';
import { Walker, WALK_RUNNING } from '../../hw/mmu/walk.ts';
import { PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '../../hw/pte.ts';
import { PageTableBuilder } from '../scenario/page-tables.ts';
const BASE = 0x00007f0000000000n;
const phys = new PhysMem(46);
const b = new PageTableBuilder(phys, 4);
for (let i = 0; i < 64; i++) b.map(BASE + BigInt(i) * 0x1000n, 0x20000000 + i * 0x1000, '4K', BigInt(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D));
const r = new MmuRegs(); r.cr0 = CR0_PG >>> 0; r.cr4 = CR4_PAE; r.efer = EFER_LMA | EFER_NXE; r.cpl = 3;
const w = new Walker(phys);
const baseLo = Number(BASE & 0xffffffffn), baseHi = Number(BASE >> 32n);
let sink = 0;
for (let rep = 0; rep < 5; rep++) {
  const t0 = process.cpuUsage().user / 1000; const n = 3_000_000;
  for (let i = 0; i < n; i++) {
    w.start(baseLo + ((i & 63) << 12), baseHi, 0, 4, b.root, 6, r, true);
    while (w.step(r) === WALK_RUNNING);
    sink += w.pageBase;
  }
  console.log((n / (process.cpuUsage().user / 1000 - t0) * 1000 / 1e6).toFixed(2), 'M walks/s (walker only)');
}
console.log(sink > 0);
