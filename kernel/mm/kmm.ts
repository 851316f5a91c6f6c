// The kernel's memory manager: physical memory, the kernel half of every address space, the
// shared zero page, the page cache registry, randomization and the hooks into the rest of the kernel.
import type { PhysMem } from '../../hw/mem/phys-mem.ts';
import { FrameAllocator, PG_RESERVED as PG_RESERVED_, PG_ZERO as PG_ZERO_, PG_KERNEL as PG_KERNEL_ } from './frames.ts';
import { allocTablePage as allocTablePage_, buildKernelHalf as buildKernelHalf_, cloneKernelPgd as cloneKernelPgd_ } from './pgtable.ts';
import { Mm } from './mm.ts';
import type { AddressSpace } from './filemap.ts';
import { COST_FRAME_ALLOC as COST_FRAME_ALLOC_ } from '../cost.ts';
import { shrinkPageCache as shrinkPageCache_ } from './reclaim.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const allocTablePage = allocTablePage_;
const buildKernelHalf = buildKernelHalf_;
const cloneKernelPgd = cloneKernelPgd_;
const shrinkPageCache = shrinkPageCache_;
const PG_RESERVED = PG_RESERVED_;
const PG_ZERO = PG_ZERO_;
const PG_KERNEL = PG_KERNEL_;
const COST_FRAME_ALLOC = COST_FRAME_ALLOC_;

/** What the mm code needs from an MMU (hw/mmu/mmu.ts Mmu satisfies it). */
export interface MmuLike {
  invlpg(laLo: number, laHi: number): void;
  movToCr3(lo: number, hi: number): void;
}

export interface KernelMmOptions {
  phys: PhysMem;
  /** Bytes of RAM (a multiple of 4 KiB). */
  memoryBytes: number;
  /** One MMU per CPU, indexed by CPU number (may be given later with attachMmu). */
  mmus?: MmuLike[];
  /** Seed of the randomization (ASLR). */
  seed?: number;
  /** /proc/sys/kernel/randomize_va_space: 0 none, 1 mmap+stack, 2 also brk. Default 2. */
  randomizeVaSpace?: 0 | 1 | 2;
  /** Charges kernel work (cycles) to the machine clock. */
  charge?: (cycles: number) => void;
  /**
   * The OOM killer (mm/oom_kill.c out_of_memory): called when a page cannot be allocated even after
   * reclaim. It should kill the process with the largest RSS (its exit must call exitMmap) and
   * return true if memory was freed, false if nothing could be killed.
   */
  oomKill?: (requester: Mm | null) => boolean;
  /** vm.max_map_count (default 65530). */
  maxMapCount?: number;
}

/** Details of the last handleMmFault(), for the caller (signal info) and the tracer. */
export interface FaultInfo {
  /** What the kernel did: 'demand-zero', 'zero-page', 'cow-copy', 'cow-reuse', 'page-cache-hit', 'major',
   *  'shmem', 'shared-write', 'stack-growth', 'spurious', 'sigsegv-maperr', 'sigsegv-accerr', 'sigbus', 'oom'. */
  decision: string;
  /** 0 when resolved, else SIGSEGV (11) / SIGBUS (7) / SIGKILL (9, OOM). */
  signal: number;
  /** si_code: SEGV_MAPERR 1, SEGV_ACCERR 2, SEGV_PKUERR 4, BUS_ADRERR 2. */
  siCode: number;
  /** VM_FAULT_MAJOR. */
  major: boolean;
}

export class KernelMm {
  readonly phys: PhysMem;
  readonly frames: FrameAllocator;
  readonly nframes: number;
  /** swapper_pg_dir: the kernel's PML4 whose upper half every mm shares. */
  readonly initPgd: number;
  /** The shared zero page (ZERO_PAGE(0)). */
  readonly zeroPfn: number;
  readonly mmus: MmuLike[];
  /** The mm loaded in each CPU's CR3 (cpu_tlbstate.loaded_mm). */
  readonly cpuMm: (Mm | null)[] = [];
  randomizeVaSpace: 0 | 1 | 2;
  maxMapCount: number;
  /** stack_guard_gap: 256 pages. */
  stackGuardGap = 256 * 4096;
  /** vm.mmap_min_addr. */
  mmapMinAddr = 65536;
  /** sysctl_overcommit_memory (0 heuristic). */
  readonly fault: FaultInfo = { decision: '', signal: 0, siCode: 0, major: false };
  /** Page caches by id (page->mapping). */
  readonly mappings: (AddressSpace | undefined)[] = [];
  readonly stats = { cowCopies: 0, cowReuses: 0, zeroFills: 0, majorFaults: 0, minorFaults: 0, reclaimed: 0, oomKills: 0, tlbFlushes: 0 };
  /** Kernel cycles charged so far. */
  cycles = 0;
  private readonly chargeHook: ((cycles: number) => void) | null;
  oomKill: ((requester: Mm | null) => boolean) | null;
  private rngState: number;
  private nextPcid = 1;
  private readonly liveMms = new Set<Mm>();

  constructor(opts: KernelMmOptions) {
    this.phys = opts.phys;
    this.nframes = Math.floor(opts.memoryBytes / 4096);
    // The first MiB is firmware/real-mode memory Linux never hands out (reserve_real_mode, BIOS areas).
    this.frames = new FrameAllocator(this.nframes, Math.min(256, this.nframes >> 4));
    this.mmus = opts.mmus ?? [];
    this.randomizeVaSpace = opts.randomizeVaSpace ?? 2;
    this.maxMapCount = opts.maxMapCount ?? 65530;
    this.chargeHook = opts.charge ?? null;
    this.oomKill = opts.oomKill ?? null;
    this.rngState = (opts.seed ?? 0x5eed) >>> 0 || 1;
    this.initPgd = allocTablePage(this.frames, this.phys, true);
    buildKernelHalf(this.frames, this.phys, this.initPgd, this.nframes);
    const z = this.frames.alloc(0);
    this.phys.zeroFrame(z);
    this.frames.flags[z] = PG_RESERVED | PG_ZERO | PG_KERNEL;
    this.zeroPfn = z;
  }

  attachMmu(cpu: number, mmu: MmuLike): void {
    this.mmus[cpu] = mmu;
  }

  charge(cycles: number): void {
    this.cycles += cycles;
    if (this.chargeHook !== null) this.chargeHook(cycles);
  }

  /** get_random_u32() from the seeded generator (xorshift32 → splitmix-like output mix). */
  random32(): number {
    let x = this.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rngState = x >>> 0;
    let z = (this.rngState + 0x9e3779b9) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** get_random_long() restricted to `bits` (≤ 52) low bits. */
  randomBits(bits: number): number {
    if (bits <= 32) return bits === 32 ? this.random32() : this.random32() & ((1 << bits) >>> 0) - 1;
    const hi = this.random32() & ((1 << (bits - 32)) - 1);
    return hi * 0x100000000 + this.random32();
  }

  registerMapping(as: AddressSpace): number {
    this.mappings.push(as);
    return this.mappings.length - 1;
  }

  /**
   * Allocates one frame for user data: the buddy allocator, then page-cache reclaim, then the OOM
   * killer (__alloc_pages_slowpath). Returns -1 when nothing can be freed.
   */
  allocPage(requester: Mm | null): number {
    this.charge(COST_FRAME_ALLOC);
    let pfn = this.frames.alloc(0);
    if (pfn >= 0) return pfn;
    for (let attempt = 0; attempt < 8; attempt++) {
      if (shrinkPageCache(this, 32) > 0) {
        pfn = this.frames.alloc(0);
        if (pfn >= 0) return pfn;
        continue;
      }
      if (this.oomKill === null) return -1;
      this.stats.oomKills++;
      if (!this.oomKill(requester)) return -1;
      if (requester !== null && requester.dead) return -1;
      pfn = this.frames.alloc(0);
      if (pfn >= 0) return pfn;
    }
    return -1;
  }

  /** mm_alloc() + pgd_alloc(): a new empty address space sharing the kernel half. */
  newMm(): Mm | null {
    const pgd = allocTablePage(this.frames, this.phys, false);
    if (pgd < 0) return null;
    cloneKernelPgd(this.phys, pgd, this.initPgd);
    const pcid = this.nextPcid;
    this.nextPcid = this.nextPcid >= 4095 ? 1 : this.nextPcid + 1;
    const mm = new Mm(pgd, pcid);
    // A PCID may have been used by an earlier mm: every CPU flushes it on the first switch.
    mm.staleCpus = -1;
    this.liveMms.add(mm);
    return mm;
  }

  /** Address spaces not yet torn down (for checkInvariants). */
  get mms(): ReadonlySet<Mm> {
    return this.liveMms;
  }

  /** Called by exitMmap. */
  forgetMm(mm: Mm): void {
    this.liveMms.delete(mm);
    for (let c = 0; c < this.cpuMm.length; c++) if (this.cpuMm[c] === mm) this.cpuMm[c] = null;
  }
}
