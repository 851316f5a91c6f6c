// MMU throughput: L1 TLB hits, STLB hits, complete 4-level walks, cycle-stepped translation.
// Run: npx tsx tools/bench/benchmark.ts mmu
import { Clock } from '../../hw/clock.ts';
import { PhysMem } from '../../hw/mem/phys-mem.ts';
import { ACC_READ, ACC_WRITE, Mmu } from '../../hw/mmu/mmu.ts';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, EFER_LMA, EFER_LME, EFER_NXE } from '../../hw/mmu/regs.ts';
import type { MmuConfigInput } from '../../hw/mmu/config.ts';
import { PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '../../hw/pte.ts';
import { PageTableBuilder } from '../scenario/page-tables.ts';
import type { BenchSuite } from './benchmark.ts';

const BASE = 0x00007f0000000000n;
const N = 1000; // translations per benchmark iteration

/** A machine with `pages` 4 KiB user pages mapped at BASE (A and D already set). */
function machine(pages: number, config?: MmuConfigInput): Mmu {
  const phys = new PhysMem(46);
  const mmu = new Mmu(phys, new Clock(), config);
  const b = new PageTableBuilder(phys, 4);
  for (let i = 0; i < pages; i++)
    b.map(BASE + BigInt(i) * 0x1000n, 0x2000000 + i * 0x1000, '4K', BigInt(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D));
  const r = mmu.regs;
  r.cr0 = (CR0_PG | CR0_WP | 0x33) >>> 0;
  r.cr4 = CR4_PAE | CR4_PGE;
  r.efer = EFER_LME | EFER_LMA | EFER_NXE;
  r.cr3Lo = b.root;
  r.cpl = 3;
  return mmu;
}

const baseLo = Number(BASE & 0xffffffffn);
const baseHi = Number(BASE >> 32n);

export const suite: BenchSuite = {
  name: 'mmu',
  cases: () => {
    const hot = machine(32);
    const l2 = machine(1024, { dtlb: [{ name: 'tiny', pageSizes: ['4K'], entries: 1, ways: 1, replacement: 'lru' }] });
    const walk = machine(64, { itlb: [], dtlb: [], stlb: [], psc: { enabled: false } });
    const stepped = machine(64, { itlb: [], dtlb: [], stlb: [], psc: { enabled: false } });
    let sink = 0;
    return [
      {
        name: 'L1 dTLB hit (32 pages, read/write)',
        setup: () => { for (let i = 0; i < 32; i++) hot.translate(baseLo + i * 0x1000, baseHi, ACC_WRITE, 8); },
        fn: () => {
          let s = 0; // a local accumulator: no boxing of a captured variable per iteration
          for (let i = 0; i < N; i++) s += hot.translate(baseLo + ((i & 31) << 12) + (i & 0xff8), baseHi, i & 1, 8);
          sink += s;
        },
        unitsPerOp: N, unit: 'translations', target: 50_000_000,
      },
      {
        name: 'STLB hit (1024 pages, 1-entry L1)',
        setup: () => { for (let i = 0; i < 1024; i++) l2.translate(baseLo + i * 0x1000, baseHi, ACC_READ, 8); },
        fn: () => {
          let s = 0;
          for (let i = 0; i < N; i++) s += l2.translate(baseLo + ((i * 7) & 1023) * 0x1000, baseHi, ACC_READ, 8);
          sink += s;
        },
        unitsPerOp: N, unit: 'translations',
      },
      {
        name: 'complete 4-level walk (no TLB, no PSC)',
        fn: () => {
          let s = 0;
          for (let i = 0; i < N; i++) s += walk.translate(baseLo + ((i & 63) << 12), baseHi, ACC_READ, 8);
          sink += s;
        },
        unitsPerOp: N, unit: 'walks', target: 5_000_000,
      },
      {
        name: 'cycle-stepped walk (begin + tick)',
        fn: () => {
          for (let i = 0; i < 100; i++) {
            stepped.begin(baseLo + ((i & 63) << 12), baseHi, ACC_READ, 8);
            while (!stepped.tick());
            sink += stepped.result;
          }
        },
        unitsPerOp: 100, unit: 'walks',
      },
    ];
  },
  // The same two workloads timed by CPU time (process.cpuUsage), which a loaded machine
  // disturbs less than the wall-clock figures above.
  extra: () => {
    const hot = machine(32);
    for (let i = 0; i < 32; i++) hot.translate(baseLo + i * 0x1000, baseHi, ACC_WRITE, 8);
    const walk = machine(64, { itlb: [], dtlb: [], stlb: [], psc: { enabled: false } });
    const perCpuSecond = (f: (n: number) => void, n: number) => {
      f(n); // warm up
      let best = 0;
      for (let rep = 0; rep < 5; rep++) {
        const c0 = process.cpuUsage();
        f(n);
        const c = process.cpuUsage(c0);
        best = Math.max(best, n / ((c.user + c.system) / 1e6));
      }
      return Math.round(best).toLocaleString('en-US');
    };
    let sink = 0;
    const hits = perCpuSecond((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += hot.translate(baseLo + ((i & 31) << 12) + (i & 0xff8), baseHi, i & 1, 8);
      sink += s;
    }, 5_000_000);
    const walks = perCpuSecond((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += walk.translate(baseLo + ((i & 63) << 12), baseHi, ACC_READ, 8);
      sink += s;
    }, 1_000_000);
    return [
      `L1 dTLB hit, per CPU-second (best of 5)                  ${hits} translations/s`,
      `complete 4-level walk, per CPU-second (best of 5)        ${walks} walks/s${sink === 0 ? '' : ''}`,
    ];
  },
};
