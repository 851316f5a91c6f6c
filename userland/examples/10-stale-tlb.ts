// Lab 10 - stale translations, on the hardware layer alone (no kernel).
//
// Run:
//   npx tsx userland/examples/10-stale-tlb.ts
//   pagewalk explain userland/examples/10-stale-tlb.json    (the same steps as a scenario,
//                                                            every entry and check spelled out)
//
// Look for: the program builds 4-level page tables by hand in physical memory and maps one
// page at 0x400000 to frame A.  The first read misses the TLBs and walks the tables; the second
// hits the L1 dTLB.  Then it rewrites the PTE to point to frame B with a plain store and NO
// invlpg: the next read still hits the TLB and returns frame A's data - the translation is
// stale, because the TLB is not coherent with the page tables (SDM Vol. 3A 4.10.4: software
// must invalidate).  After invlpg the read misses, walks again, and returns frame B's data.
// This is why the kernel follows every PTE change with invlpg or a CR3 reload.
import { fileURLToPath } from 'node:url';
import { Machine } from '../../hw/machine.ts';
import { ACC_READ, FOUND_L1, FOUND_L2 } from '../../hw/mmu/mmu.ts';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, EFER_LMA, EFER_LME, EFER_NXE } from '../../hw/mmu/regs.ts';
import { makePte, PTE_P, PTE_RW, PTE_US } from '../../hw/pte.ts';

const hex = (v: number, w = 13) => '0x' + v.toString(16).padStart(w, '0');

export function lab10(write: (line: string) => void): void {
  const m = new Machine({ memoryBytes: 16 * 1024 * 1024 });
  const { phys, mmu } = m;
  const PML4 = 0x1000, PDPT = 0x2000, PD = 0x3000, PT = 0x4000, FRAME_A = 0x10000, FRAME_B = 0x11000;
  const LA = 0x400000;
  const link = (table: number, index: number, target: number) => {
    const e = makePte(target, PTE_P | PTE_RW | PTE_US);
    phys.write64(table + 8 * index, e.lo, e.hi);
  };
  // 0x400000: PML4 index 0, PDPT index 0, PD index 2, PT index 0 (SDM 4.5.4).
  link(PML4, 0, PDPT);
  link(PDPT, 0, PD);
  link(PD, 2, PT);
  link(PT, 0, FRAME_A);
  phys.write32(FRAME_A, 0xaaaa);
  phys.write32(FRAME_B, 0xbbbb);
  // Long mode with paging, as a kernel would set it up; user mode (CPL 3).
  mmu.regs.efer = EFER_LME | EFER_LMA | EFER_NXE;
  mmu.movToCr4(CR4_PAE | CR4_PGE);
  mmu.movToCr3(PML4, 0);
  mmu.movToCr0((CR0_PG | CR0_WP | 1) >>> 0);
  mmu.regs.cpl = 3;

  const where = (pa: number) => (pa - (pa % 4096) === FRAME_A ? 'frame A' : pa - (pa % 4096) === FRAME_B ? 'frame B' : 'another frame');
  let n = 0;
  const read = (comment = '') => {
    const pa = mmu.translate(LA, 0, ACC_READ, 4);
    const how = mmu.found === FOUND_L1 ? 'L1 dTLB hit' : mmu.found === FOUND_L2 ? 'STLB hit' : 'TLB miss, page walk';
    const v = pa < 0 ? 'fault' : '0x' + phys.read32(pa).toString(16);
    write(`read ${++n} of ${hex(LA, 16)}: ${how}, ${mmu.lastCycles} cycle${mmu.lastCycles === 1 ? "" : "s"} -> pa ${hex(pa)} (${where(pa)}): ${v}${comment}`);
  };
  write(`PTE of ${hex(LA, 16)} -> frame A at ${hex(FRAME_A)} (holds 0xaaaa); frame B at ${hex(FRAME_B)} holds 0xbbbb`);
  read();
  read();
  link(PT, 0, FRAME_B);
  write('PTE rewritten to point to frame B with a plain store (no invlpg)');
  read('   <- stale: the TLB still maps frame A');
  mmu.invlpg(LA, 0);
  write(`invlpg ${hex(LA, 16)}`);
  read('   <- the new translation');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) lab10((l) => console.log(l));
