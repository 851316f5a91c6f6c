// MMU configuration: TLB and paging-structure-cache geometry, latencies, A/D policy.
// Defaults model an Intel Skylake client core; sources are in docs/mmu.md.
import { z } from 'zod';

export type PageSize = '4K' | '2M' | '1G';
export type Replacement = 'lru' | 'plru' | 'random';
export type AdPolicy = 'eager' | 'lazy';

/** One set-associative array. `entries / ways` sets, a power of two. */
export interface TlbArrayConfig {
  name: string;
  /** Page sizes this array holds (a 4K+2M array is probed once per size). */
  pageSizes: PageSize[];
  entries: number;
  ways: number;
  replacement: Replacement;
}

export interface CacheGeometry {
  entries: number;
  ways: number;
  replacement: Replacement;
}

export interface MmuConfig {
  /**
   * Accessed/dirty bits left behind by a walk that ends in a fault (SDM 4.8 leaves it open).
   * 'eager' (QEMU): A is set on each present non-leaf entry as the walk passes it, on a 1 GiB
   * leaf before its permission checks, and the first page of a straddling access is updated
   * before the second is walked. 'lazy' (KVM, Bochs): a faulting access changes nothing.
   */
  adPolicy: AdPolicy;
  /** L1 instruction TLB arrays (probed in parallel for fetches). */
  itlb: TlbArrayConfig[];
  /** L1 data TLB arrays (probed in parallel for reads and writes). */
  dtlb: TlbArrayConfig[];
  /** Unified second-level TLB (STLB) arrays. */
  stlb: TlbArrayConfig[];
  /** Paging-structure caches (SDM 4.10.3), one per upper level. */
  psc: { enabled: boolean; pml5e: CacheGeometry; pml4e: CacheGeometry; pdpte: CacheGeometry; pde: CacheGeometry };
  /** Cycles. Every latency is at least 1. */
  latency: {
    /** L1 TLB lookup (iTLB or dTLB). */
    l1Tlb: number;
    /** Additional cycles of an STLB lookup after an L1 miss. */
    l2Tlb: number;
    /** One paging-structure reference of a walk, by the level of the entry read. */
    walk: { pml5e: number; pml4e: number; pdpte: number; pde: number; pte: number };
  };
  /** Seed of the 'random' replacement generators. */
  seed: number;
}

const arr = (name: string, pageSizes: PageSize[], entries: number, ways: number): TlbArrayConfig => ({
  name, pageSizes, entries, ways, replacement: 'lru',
});

/** Intel Skylake client (Intel 64 and IA-32 Optimization Reference Manual, Table "TLB Parameters of the Skylake Microarchitecture"). */
export function defaultMmuConfig(): MmuConfig {
  return {
    adPolicy: 'eager',
    itlb: [arr('itlb-4k', ['4K'], 128, 8), arr('itlb-2m', ['2M'], 8, 8)],
    dtlb: [arr('dtlb-4k', ['4K'], 64, 4), arr('dtlb-2m', ['2M'], 32, 4), arr('dtlb-1g', ['1G'], 4, 4)],
    stlb: [arr('stlb-4k2m', ['4K', '2M'], 1536, 12), arr('stlb-1g', ['1G'], 16, 4)],
    psc: {
      enabled: true,
      pml5e: { entries: 2, ways: 2, replacement: 'lru' },
      pml4e: { entries: 2, ways: 2, replacement: 'lru' },
      pdpte: { entries: 4, ways: 4, replacement: 'lru' },
      pde: { entries: 32, ways: 4, replacement: 'lru' },
    },
    latency: { l1Tlb: 1, l2Tlb: 9, walk: { pml5e: 12, pml4e: 12, pdpte: 12, pde: 5, pte: 5 } },
    seed: 1,
  };
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
const replacement = z.enum(['lru', 'plru', 'random']);
const geometryRefine = (g: { entries: number; ways: number }, ctx: z.RefinementCtx) => {
  if (g.entries % g.ways !== 0 || !isPow2(g.entries / g.ways))
    ctx.addIssue({ code: 'custom', message: `entries / ways must be a power of two (got ${g.entries} / ${g.ways})`, path: ['entries'] });
};
const count = z.number().int().min(1).max(1 << 20);
const tlbArraySchema = z
  .object({
    name: z.string().min(1),
    pageSizes: z.array(z.enum(['4K', '2M', '1G'])).min(1),
    entries: count,
    ways: count,
    replacement,
  })
  .strict()
  .superRefine(geometryRefine);
const geometrySchema = z.object({ entries: count, ways: count, replacement }).strict().superRefine(geometryRefine);
const cycles = z.number().int().min(1).max(100000);

/** Schema of a (partial) MMU configuration as a user may write it in a file. */
export const mmuConfigSchema = z
  .object({
    adPolicy: z.enum(['eager', 'lazy']),
    itlb: z.array(tlbArraySchema),
    dtlb: z.array(tlbArraySchema),
    stlb: z.array(tlbArraySchema),
    psc: z
      .object({ enabled: z.boolean(), pml5e: geometrySchema, pml4e: geometrySchema, pdpte: geometrySchema, pde: geometrySchema })
      .partial()
      .strict(),
    latency: z
      .object({
        l1Tlb: cycles,
        l2Tlb: cycles,
        walk: z.object({ pml5e: cycles, pml4e: cycles, pdpte: cycles, pde: cycles, pte: cycles }).partial().strict(),
      })
      .partial()
      .strict(),
    seed: z.number().int(),
  })
  .partial()
  .strict();

export type MmuConfigInput = z.input<typeof mmuConfigSchema>;

/** Defaults overlaid with a partial configuration (nested objects merged one level deep). */
export function resolveMmuConfig(partial: Partial<MmuConfig> | MmuConfigInput = {}): MmuConfig {
  const parsed = mmuConfigSchema.safeParse(partial);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new RangeError(`MMU config: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const p = parsed.data;
  const d = defaultMmuConfig();
  return {
    adPolicy: p.adPolicy ?? d.adPolicy,
    itlb: p.itlb ?? d.itlb,
    dtlb: p.dtlb ?? d.dtlb,
    stlb: p.stlb ?? d.stlb,
    psc: { ...d.psc, ...p.psc },
    latency: {
      l1Tlb: p.latency?.l1Tlb ?? d.latency.l1Tlb,
      l2Tlb: p.latency?.l2Tlb ?? d.latency.l2Tlb,
      walk: { ...d.latency.walk, ...p.latency?.walk },
    },
    seed: p.seed ?? d.seed,
  };
}
