// Kernel memory-management benchmarks: demand-zero faults, fork of a 64 MiB process, and
// mmap+munmap pairs with few and with very many VMAs (the VMA tree keeps them O(log n)).
import type { BenchSuite, BenchCase } from './benchmark.ts';
import { PhysMem } from '../../hw/mem/phys-mem.ts';
import { KernelMm, archPickMmapLayout, doMmap, doMunmap, handleMmFault, dupMmap, exitMmap, type Mm } from '../../kernel/mm/index.ts';
import { PROT, MAP } from '../../kernel/uapi/constants.ts';

const P = 4096;
const RW = PROT.PROT_READ | PROT.PROT_WRITE;
const PA = MAP.MAP_PRIVATE | MAP.MAP_ANONYMOUS;
const PFEC_W_U = 2 | 4;

function setup(memoryBytes: number): { kmm: KernelMm; mm: Mm } {
  const kmm = new KernelMm({ phys: new PhysMem(46), memoryBytes, randomizeVaSpace: 0 });
  const mm = kmm.newMm()!;
  archPickMmapLayout(kmm, mm);
  return { kmm, mm };
}

const acct = { minFlt: 0, majFlt: 0 };

function faultCase(): BenchCase {
  const { kmm, mm } = setup(256 * 1024 * 1024);
  const N = 1024;
  return {
    name: 'demand-zero write faults (handleMmFault, + munmap)',
    unitsPerOp: N,
    unit: 'faults',
    target: 1_000_000,
    fn: () => {
      const a = doMmap(kmm, mm, null, 0, N * P, RW, PA, 0, acct);
      for (let i = 0; i < N; i++) handleMmFault(kmm, mm, a + i * P, PFEC_W_U, acct);
      doMunmap(kmm, mm, a, N * P);
    },
  };
}

function mmapCase(nVmas: number): BenchCase {
  let kmm: KernelMm | null = null;
  let mm: Mm | null = null;
  return {
    name: `mmap+munmap pairs with ${nVmas.toLocaleString('en-US')} VMAs`,
    unit: 'pairs',
    // built right before the case runs, so one case's garbage does not land in another's timing
    setup: () => {
      ({ kmm, mm } = setup(64 * 1024 * 1024));
      // nVmas separate VMAs (alternating protections so they do not merge)
      for (let i = 0; i < nVmas; i++) doMmap(kmm, mm, null, 0, P, i % 2 === 0 ? RW : PROT.PROT_READ, PA, 0, acct);
    },
    fn: () => {
      const a = doMmap(kmm!, mm!, null, 0, 4 * P, PROT.PROT_EXEC, PA, 0, acct);
      doMunmap(kmm!, mm!, a, 4 * P);
    },
  };
}

/** fork (dup_mmap) of a process with 64 MiB resident in private anonymous memory. */
function forkTiming(): string[] {
  const { kmm, mm } = setup(512 * 1024 * 1024);
  const len = 64 * 1024 * 1024;
  const a = doMmap(kmm, mm, null, 0, len, RW, PA, 0, acct);
  for (let off = 0; off < len; off += P) handleMmFault(kmm, mm, a + off, PFEC_W_U, acct);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const child = dupMmap(kmm, mm)!;
    times.push(performance.now() - t0);
    exitMmap(kmm, child);
  }
  times.sort((x, y) => x - y);
  const med = times[3];
  return [`fork (dup_mmap) of a process with 64 MiB resident: median ${med.toFixed(1)} ms over 7 (target ≤ 20 ms: ${med <= 20 ? 'met' : 'NOT met'})`];
}

export const suite: BenchSuite = {
  name: 'kernel-mm',
  cases: () => [faultCase(), mmapCase(100), mmapCase(60_000)],
  extra: forkTiming,
};
