import { Clock } from '/work/main/hw/clock.ts';
import { PhysMem } from '/work/main/hw/mem/phys-mem.ts';
import { ACC_READ, ACC_WRITE, Mmu } from '/work/main/hw/mmu/mmu.ts';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, EFER_LMA, EFER_LME, EFER_NXE } from '/work/main/hw/mmu/regs.ts';
import { PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '/work/main/hw/pte.ts';
import { PageTableBuilder } from '/work/main/tools/scenario/page-tables.ts';
const BASE = 0x00007f0000000000n;
const phys = new PhysMem(46);
const mmu = new Mmu(phys, new Clock(), process.argv[2] === 'walk' ? { itlb: [], dtlb: [], stlb: [], psc: { enabled: false } } : {});
const b = new PageTableBuilder(phys, 4);
for (let i = 0; i < 64; i++) b.map(BASE + BigInt(i) * 0x1000n, 0x20000000 + i * 0x1000, '4K', BigInt(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D));
const r = mmu.regs;
r.cr0 = (CR0_PG | CR0_WP | 0x33) >>> 0; r.cr4 = CR4_PAE | CR4_PGE; r.efer = EFER_LME | EFER_LMA | EFER_NXE; r.cr3Lo = b.root; r.cpl = 3;
const baseLo = Number(BASE & 0xffffffffn), baseHi = Number(BASE >> 32n);
let sink = 0;
for (let rep = 0; rep < 5; rep++) {
  const t0 = process.cpuUsage().user / 1000;
  const n = 5_000_000;
  for (let i = 0; i < n; i++) sink += mmu.translate(baseLo + ((i & 31) << 12) + (i & 0xff8), baseHi, i & 1, 8);
  const dt = process.cpuUsage().user / 1000 - t0;
  console.log((n / dt * 1000 / 1e6).toFixed(1), 'M/s');
}
console.log(sink > 0);
