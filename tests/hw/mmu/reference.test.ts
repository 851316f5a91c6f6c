// The SDM reference walker (reference.ts) against the QEMU vectors, then the MMU against the
// reference on random paging states, page tables and accesses (both A/D policies, no TLB effects).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Clock } from '../../../hw/clock.ts';
import { PhysMem } from '../../../hw/mem/phys-mem.ts';
import { ACC_FETCH, ACC_READ, ACC_WRITE, FOUND_WALK, Mmu } from '../../../hw/mmu/mmu.ts';
import { parseVectors } from '../../../tools/vectors/load.ts';
import { runVectors } from '../../../tools/vectors/run.ts';
import { refTranslate, type RefAccessKind, type RefAdPolicy, type RefMemory, type RefResult, type RefState } from './reference.ts';

// ---------------------------------------------------------------- the QEMU vectors

interface Vector {
  id: string;
  state: Record<'cr0' | 'cr3' | 'cr4' | 'efer' | 'rflags' | 'pkru', string> & { cpl: number };
  memory: { pa: string; value: string }[];
  access: { la: string; kind: RefAccessKind; size: number };
  result: {
    outcome: 'ok' | 'fault';
    pa?: string;
    vector?: number;
    error_code?: string;
    cr2?: string;
    memory: { pa: string; value: string }[];
    memory_lazy?: { pa: string; value: string }[];
  };
}

const vectorsPath = fileURLToPath(new URL('../../fixtures/paging-vectors.json', import.meta.url));
const vectorsFile = JSON.parse(readFileSync(vectorsPath, 'utf8')) as { maxphyaddr: number; vectors: Vector[] };

const hex = (v: bigint | number) => '0x' + v.toString(16);

/** Mismatches between the reference and one vector (lazy policy: memory_lazy where present). */
function checkVector(v: Vector, maxPhyAddr: number, policy: RefAdPolicy = 'lazy'): string[] {
  const s: RefState = {
    cr0: BigInt(v.state.cr0), cr3: BigInt(v.state.cr3), cr4: BigInt(v.state.cr4), efer: BigInt(v.state.efer),
    rflags: BigInt(v.state.rflags), pkru: BigInt(v.state.pkru), cpl: v.state.cpl, maxPhyAddr,
  };
  const mem: RefMemory = new Map(v.memory.map((m) => [BigInt(m.pa), BigInt(m.value)]));
  const r = refTranslate(s, mem, BigInt(v.access.la), v.access.kind, v.access.size, policy);
  const e = v.result;
  const out: string[] = [];
  if (r.outcome !== e.outcome) out.push(`outcome: expected ${e.outcome}, got ${r.outcome}`);
  else if (r.outcome === 'ok') {
    if (r.pa !== BigInt(e.pa!)) out.push(`pa: expected ${e.pa}, got ${hex(r.pa)}`);
  } else {
    if (r.vector !== e.vector) out.push(`vector: expected ${e.vector}, got ${r.vector}`);
    else if (r.vector === 14) {
      if (r.errorCode !== Number(e.error_code)) out.push(`error_code: expected ${e.error_code}, got ${hex(r.errorCode)}`);
      if (r.cr2 !== BigInt(e.cr2!)) out.push(`cr2: expected ${e.cr2}, got ${hex(r.cr2)}`);
    }
  }
  for (const m of policy === 'lazy' ? (e.memory_lazy ?? e.memory) : e.memory) {
    const got = mem.get(BigInt(m.pa)) ?? 0n;
    if (got !== BigInt(m.value)) out.push(`memory[${m.pa}]: expected ${m.value}, got ${hex(got)}`);
  }
  return out;
}

describe('reference walker (SDM 4.5-4.7) on paging-vectors.json', () => {
  for (const policy of ['lazy', 'eager'] as const) {
    it(`agrees with every QEMU vector under the ${policy} accessed/dirty policy`, () => {
      expect(vectorsFile.vectors.length).toBe(6120);
      const failed = vectorsFile.vectors
        .map((v) => ({ id: v.id, m: checkVector(v, vectorsFile.maxphyaddr, policy) }))
        .filter((r) => r.m.length > 0);
      expect(failed.slice(0, 5).map((f) => `${f.id}: ${f.m.join('; ')}`)).toEqual([]);
    });
  }

  it('fails a vector whose expected error code, CR2 or A/D bits are altered (the check can fail)', () => {
    const pf = structuredClone(vectorsFile.vectors.find((v) => v.result.vector === 14)!);
    pf.result.error_code = hex(Number(pf.result.error_code) ^ 0x8);
    expect(checkVector(pf, vectorsFile.maxphyaddr)[0]).toMatch(/^error_code:/);
    const ok = structuredClone(vectorsFile.vectors.find((v) => v.result.outcome === 'ok' && v.access.kind === 'write')!);
    const leaf = ok.result.memory[ok.result.memory.length - 1]!;
    leaf.value = hex(BigInt(leaf.value) & ~0x40n);
    expect(checkVector(ok, vectorsFile.maxphyaddr).some((m) => m.startsWith('memory['))).toBe(true);
  });
});

// ---------------------------------------------------------------- differential: MMU vs reference

const MAXPHYADDRS = [36, 39, 40, 42, 46, 48, 52] as const;
const KINDS: RefAccessKind[] = ['read', 'write', 'fetch'];
const ACC = { read: ACC_READ, write: ACC_WRITE, fetch: ACC_FETCH } as const;
const M64 = (1n << 64n) - 1n;
// PAGEWALK_REF_RUNS / PAGEWALK_REF_SEED widen the differential search (defaults keep the suite fast).
const RUNS = Number(process.env.PAGEWALK_REF_RUNS ?? 6000);
const SEED = process.env.PAGEWALK_REF_SEED ? Number(process.env.PAGEWALK_REF_SEED) : undefined;

/** mulberry32: page-table contents from one seed, so a failing case is reproducible. */
function rng32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  maxPhyAddr: number;
  la57: boolean;
  wp: boolean;
  pge: boolean;
  pcide: boolean;
  smep: boolean;
  smap: boolean;
  pke: boolean;
  nxe: boolean;
  ac: boolean;
  pkru: number;
  cpl: number;
  kind: RefAccessKind;
  size: number;
  laMode: number;
  laBits: bigint;
  offset: number;
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  // The prescribed widths, and now and then any width the vectors schema allows (32..52).
  maxPhyAddr: fc.oneof({ arbitrary: fc.constantFrom(...MAXPHYADDRS), weight: 9 }, { arbitrary: fc.integer({ min: 32, max: 52 }), weight: 1 }),
  la57: fc.boolean(),
  wp: fc.boolean(),
  pge: fc.boolean(),
  pcide: fc.boolean(),
  smep: fc.boolean(),
  smap: fc.boolean(),
  pke: fc.boolean(),
  nxe: fc.boolean(),
  ac: fc.boolean(),
  pkru: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
  // CPL 1 and 2 are supervisor mode too (SDM 4.6); rarer than 0 and 3.
  cpl: fc.oneof({ arbitrary: fc.constantFrom(0, 3), weight: 9 }, { arbitrary: fc.constantFrom(1, 2), weight: 1 }),
  kind: fc.constantFrom(...KINDS),
  // T64 accesses are 1..8 bytes; the MMU (and the vectors schema) take up to 4096, which still spans at most two pages.
  size: fc.oneof({ arbitrary: fc.constantFrom(1, 2, 4, 8), weight: 19 }, { arbitrary: fc.constantFrom(3, 16, 64, 4095, 4096), weight: 1 }),
  laMode: fc.integer({ min: 0, max: 99 }),
  laBits: fc.bigInt({ min: 0n, max: M64 }),
  offset: fc.integer({ min: 0, max: 0xfff }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
});

const mask = (hi: number, lo: number) => (hi < lo ? 0n : ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo));
const signExtend = (v: bigint, bitsN: number) => {
  v &= mask(bitsN - 1, 0);
  return (v >> BigInt(bitsN - 1)) & 1n ? (v | mask(63, bitsN)) & M64 : v;
};

/** The linear address: mostly canonical and near a page end, sometimes at the canonical edges or non-canonical. */
function linearAddress(c: Case): bigint {
  const n = c.la57 ? 57 : 48;
  const nearEnd = 0x1000 - 1 - (c.offset & 7); // the last 8 bytes of a page: straddles for most sizes
  if (c.laMode < 50) return (signExtend(c.laBits, n) & ~0xfffn) | BigInt(nearEnd);
  if (c.laMode < 75) return (signExtend(c.laBits, n) & ~0xfffn) | BigInt(c.offset);
  if (c.laMode < 82) return ((1n << BigInt(n - 1)) - 1n - BigInt(c.offset & 7)) & M64; // end of the lower half
  if (c.laMode < 89) return (M64 - mask(n - 2, 0) - 1n - BigInt(c.offset & 7)) & M64; // just below the upper half
  if (c.laMode < 92) return M64 - BigInt(c.offset & 7); // wraps to 0
  return c.laBits; // random, usually non-canonical
}

interface Built {
  state: RefState;
  qwords: Map<bigint, bigint>;
  la: bigint;
}

/** Random page tables along the access's path(s), written into a qword map. */
function build(c: Case): Built {
  const M = c.maxPhyAddr;
  const r = rng32(c.seed);
  const chance = (p: number) => r() < p;
  const randBits = (n: number) => {
    let v = 0n;
    for (let i = 0; i < n; i += 16) v |= BigInt(Math.floor(r() * 0x10000)) << BigInt(i);
    return v & mask(n - 1, 0);
  };
  const topOf = 1n << BigInt(M);
  /** An aligned physical address below 2^M, often close to the top. */
  const physAddr = (alignBits: number): bigint => {
    if (chance(0.3)) return topOf - (BigInt(1 + Math.floor(r() * 4)) << BigInt(alignBits));
    return randBits(Math.min(M, 40)) & mask(M - 1, alignBits);
  };
  const usedTables = new Set<bigint>();
  const newTable = (): bigint => {
    // Sometimes an existing table (the root included): shared and recursive mappings.
    if (usedTables.size > 0 && chance(0.08)) return [...usedTables][Math.floor(r() * usedTables.size)]!;
    for (;;) {
      const t = physAddr(12);
      if (!usedTables.has(t)) {
        usedTables.add(t);
        return t;
      }
    }
  };
  const entry = (level: number): bigint => {
    if (chance(0.06)) return randBits(64) & ~1n; // not present, any other bits
    let e = 1n; // P
    if (chance(0.85)) e |= 1n << 1n; // R/W
    if (chance(0.8)) e |= 1n << 2n; // U/S
    e |= randBits(2) << 3n; // PWT, PCD
    if (chance(0.5)) e |= 1n << 5n; // A
    if (chance(0.5)) e |= 1n << 6n; // D
    if (chance(0.3)) e |= 1n << 8n; // G
    e |= randBits(3) << 9n; // available
    if (chance(0.2)) e |= randBits(7) << 52n; // ignored 58:52
    e |= randBits(4) << 59n; // protection key (ignored above the leaf)
    if (chance(0.25)) e |= 1n << 63n; // XD (reserved without NXE)
    const ps = level === 2 || level === 3 ? chance(0.35) : level >= 4 ? chance(0.03) : chance(0.5);
    if (ps) e |= 1n << 7n; // PS (PAT in a PTE; reserved in PML4E/PML5E)
    const leaf = level === 1 || ((level === 2 || level === 3) && ps);
    const align = level === 3 && leaf ? 30 : level === 2 && leaf ? 21 : 12;
    e |= leaf ? physAddr(align) : newTable();
    if (leaf && level > 1 && chance(0.5)) e |= 1n << 12n; // PAT of a large page
    if (M < 52 && chance(0.07)) e |= 1n << BigInt(M + Math.floor(r() * (52 - M))); // reserved 51:M
    if (leaf && level > 1 && chance(0.07)) e |= 1n << BigInt(13 + Math.floor(r() * (align - 13))); // large-page reserved
    return e;
  };

  const root = newTable();
  const cr3 = root | (c.pcide ? randBits(12) : randBits(2) << 3n); // PCID, or PWT/PCD
  const qwords = new Map<bigint, bigint>();
  const la = linearAddress(c);
  const last = (la + BigInt(c.size - 1)) & M64;
  const pages = la >> 12n === last >> 12n ? [la] : [la, last & ~0xfffn];
  for (const p of pages) {
    let table = root;
    for (let level = c.la57 ? 5 : 4; level >= 1; level--) {
      const shift = BigInt(12 + 9 * (level - 1));
      const at = table | (((p >> shift) & 0x1ffn) << 3n);
      if (!qwords.has(at)) qwords.set(at, entry(level));
      const e = qwords.get(at)!;
      const leaf = level === 1 || ((level === 2 || level === 3) && (e & 0x80n) !== 0n);
      if ((e & 1n) === 0n || leaf) break;
      table = e & mask(M - 1, 12);
    }
  }
  const state: RefState = {
    cr0: 0x80000033n | (c.wp ? 1n << 16n : 0n),
    cr3,
    cr4: 0x20n | (c.la57 ? 1n << 12n : 0n) | (c.pge ? 1n << 7n : 0n) | (c.pcide ? 1n << 17n : 0n) | (c.smep ? 1n << 20n : 0n) |
      (c.smap ? 1n << 21n : 0n) | (c.pke ? 1n << 22n : 0n),
    efer: 0x500n | (c.nxe ? 1n << 11n : 0n),
    rflags: 0x2n | (c.ac ? 1n << 18n : 0n),
    pkru: BigInt(c.pkru),
    cpl: c.cpl,
    maxPhyAddr: M,
  };
  return { state, qwords, la };
}

const CR2_SENTINEL_LO = 0x5a5a5000;
const CR2_SENTINEL_HI = 0x00001234;

/** Run the access on a fresh lazy MMU (fast path or cycle-stepped) and describe the outcome as the reference does. */
function runMmu(b: Built, c: Case, stepped: boolean, policy: RefAdPolicy): { r: RefResult; mem: Map<bigint, bigint>; cr2: bigint } {
  const phys = new PhysMem(c.maxPhyAddr);
  for (const [pa, v] of b.qwords) phys.write64n(Number(pa), v);
  const mmu = new Mmu(phys, new Clock(), { adPolicy: policy });
  const g = mmu.regs;
  g.cr0 = Number(b.state.cr0) >>> 0;
  g.cr3Lo = Number(b.state.cr3 & 0xffffffffn) >>> 0;
  g.cr3Hi = Number(b.state.cr3 >> 32n) >>> 0;
  g.cr4 = Number(b.state.cr4);
  g.efer = Number(b.state.efer);
  g.rflags = Number(b.state.rflags);
  g.pkru = c.pkru >>> 0;
  g.cpl = c.cpl;
  g.cr2Lo = CR2_SENTINEL_LO;
  g.cr2Hi = CR2_SENTINEL_HI;
  const lo = Number(b.la & 0xffffffffn) >>> 0;
  const hi = Number(b.la >> 32n) >>> 0;
  let pa: number;
  if (stepped) {
    mmu.begin(lo, hi, ACC[c.kind], c.size);
    let guard = 0;
    while (!mmu.tick()) if (++guard > 10_000) throw new Error('tick() never finished');
    pa = mmu.result;
  } else pa = mmu.translate(lo, hi, ACC[c.kind], c.size);
  const cr2 = (BigInt(g.cr2Hi >>> 0) << 32n) | BigInt(g.cr2Lo >>> 0);
  const mem = new Map<bigint, bigint>();
  for (const at of b.qwords.keys()) mem.set(at, phys.read64n(Number(at)));
  let r: RefResult;
  if (pa >= 0) {
    r = mmu.pa2 >= 0 ? { outcome: 'ok', pa: BigInt(pa), pa2: BigInt(mmu.pa2) } : { outcome: 'ok', pa: BigInt(pa) };
  } else if (mmu.faultVector === 13) {
    r = { outcome: 'fault', vector: 13, errorCode: mmu.faultErrorCode as 0 };
  } else {
    r = { outcome: 'fault', vector: mmu.faultVector as 14, errorCode: mmu.faultErrorCode, cr2 };
  }
  return { r, mem, cr2 };
}

const sentinel = (BigInt(CR2_SENTINEL_HI) << 32n) | BigInt(CR2_SENTINEL_LO);

/** Every difference between the MMU and the reference on one case. */
function differences(c: Case, stepped = false, policy: RefAdPolicy = 'lazy'): string[] {
  const b = build(c);
  const refMem: RefMemory = new Map(b.qwords);
  const ref = refTranslate(b.state, refMem, b.la, c.kind, c.size, policy);
  const got = runMmu(b, c, stepped, policy);
  const out: string[] = [];
  const show = (r: RefResult) =>
    r.outcome === 'ok'
      ? `ok pa=${hex(r.pa)}${r.pa2 !== undefined ? ` pa2=${hex(r.pa2)}` : ''}`
      : r.vector === 14 ? `#PF ec=${hex(r.errorCode)} cr2=${hex(r.cr2)}` : `#GP(${r.errorCode})`;
  if (show(ref) !== show(got.r)) out.push(`reference ${show(ref)}, mmu ${show(got.r)}`);
  if (ref.outcome !== 'fault' || ref.vector !== 14) {
    if (got.cr2 !== sentinel) out.push(`CR2 changed to ${hex(got.cr2)} without a #PF`);
  }
  for (const [at, v] of refMem) {
    const m = got.mem.get(at)!;
    if (m !== v) out.push(`qword ${hex(at)}: reference ${hex(v)}, mmu ${hex(m)}`);
  }
  if (out.length) out.push(differencesHeader(b, c));
  return out;
}

/** The case in one line: registers and every page-table qword. */
function differencesHeader(b: Built, c: Case): string {
  const tables = [...b.qwords].map(([a, v]) => `${hex(a)}=${hex(v)}`).join(' ');
  return `la=${hex(b.la)} ${c.kind}/${c.size} cpl=${c.cpl} cr0=${hex(b.state.cr0)} cr3=${hex(b.state.cr3)} ` +
    `cr4=${hex(b.state.cr4)} efer=${hex(b.state.efer)} rflags=${hex(b.state.rflags)} pkru=${hex(c.pkru)} ` +
    `M=${c.maxPhyAddr} tables: ${tables}`;
}

describe('MMU agrees with the SDM reference (fresh MMU per case: no TLB state)', () => {
  it('on 6,000 random paging states, page tables and accesses (lazy A/D, fast path)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const d = differences(c);
        if (d.length) throw new Error(d.join('\n'));
      }),
      { numRuns: RUNS, seed: SEED ?? 0x5d3 },
    );
  });

  it('on 1,500 random cases through the cycle-stepped path (lazy A/D, begin/tick)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const d = differences(c, true);
        if (d.length) throw new Error(d.join('\n'));
      }),
      { numRuns: Math.ceil(RUNS / 4), seed: SEED ?? 0x10a },
    );
  });

  it('on 3,000 random cases with the eager (QEMU) accessed/dirty policy, fast path and cycle-stepped', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), (c, stepped) => {
        const d = differences(c, stepped, 'eager');
        if (d.length) throw new Error(d.join('\n'));
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED ?? 0xea9 },
    );
  });

  it('the generator reaches every outcome: success, straddles, #GP, not-present, RSVD, PK, I/D', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(caseArb, (c) => {
        const b = build(c);
        const r = refTranslate(b.state, new Map(b.qwords), b.la, c.kind, c.size);
        if (r.outcome === 'ok') seen.add(r.pa2 !== undefined ? 'ok-straddle' : 'ok');
        else if (r.vector === 13) seen.add('gp');
        else {
          if ((r.errorCode & 1) === 0) seen.add('not-present');
          if (r.errorCode & 8) seen.add('rsvd');
          if (r.errorCode & 0x20) seen.add('pk');
          if (r.errorCode & 0x10) seen.add('fetch');
          if ((r.errorCode & 0x29) === 1) seen.add('rights');
          if (r.cr2 !== b.la) seen.add('second-page');
        }
      }),
      { numRuns: 3000, seed: 7 },
    );
    expect([...seen].sort()).toEqual(
      ['fetch', 'gp', 'not-present', 'ok', 'ok-straddle', 'pk', 'rights', 'rsvd', 'second-page'].sort(),
    );
  });
});

describe('MMU with its TLBs agrees with fresh reference walks over a sequence of accesses', () => {
  // CPL, RFLAGS.AC (STAC/CLAC) and PKRU (WRPKRU) change without any TLB invalidation (SDM 4.10.2.2:
  // TLB entries cache the rights of the translation; the checks of 4.6 use the current values).
  // CR0.WP and CR4.SMEP/SMAP/PKE change through movToCr0/movToCr4 (whatever those invalidate).
  const stepArb = fc.record({
    kind: fc.constantFrom(...KINDS),
    size: fc.constantFrom(1, 2, 4, 8),
    offset: fc.oneof(fc.integer({ min: 0, max: 0x1fff }), fc.integer({ min: 0xff8, max: 0x1007 })),
    cpl: fc.option(fc.constantFrom(0, 3), { freq: 2 }),
    ac: fc.option(fc.boolean(), { freq: 2 }),
    pkru: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { freq: 3 }),
    // XOR masks: CR0.WP; CR4.SMEP, SMAP, PKE.
    cr0: fc.option(fc.constant(1 << 16), { freq: 6 }),
    cr4: fc.option(fc.constantFrom(1 << 20, 1 << 21, 1 << 22), { freq: 4 }),
  });

  for (const policy of ['lazy', 'eager'] as const) {
    it(`on 1,000 random sequences of up to 8 accesses (${policy} A/D)`, () => {
      let tlbHits = 0;
      const runs = Math.ceil(RUNS / 6);
      fc.assert(
        fc.property(caseArb, fc.array(stepArb, { minLength: 2, maxLength: 8 }), (c, steps) => {
          const b = build(c);
          const refMem: RefMemory = new Map(b.qwords);
          const phys = new PhysMem(c.maxPhyAddr);
          for (const [pa, v] of b.qwords) phys.write64n(Number(pa), v);
          const mmu = new Mmu(phys, new Clock(), { adPolicy: policy });
          const g = mmu.regs;
          const st = { ...b.state };
          g.cr0 = Number(st.cr0) >>> 0;
          g.cr3Lo = Number(st.cr3 & 0xffffffffn) >>> 0;
          g.cr3Hi = Number(st.cr3 >> 32n) >>> 0;
          g.cr4 = Number(st.cr4);
          g.efer = Number(st.efer);
          const base = b.la & ~0xfffn;
          steps.forEach((step, i) => {
            if (step.cpl !== null) st.cpl = step.cpl;
            if (step.ac !== null) st.rflags = step.ac ? st.rflags | (1n << 18n) : st.rflags & ~(1n << 18n);
            if (step.pkru !== null) st.pkru = BigInt(step.pkru);
            if (step.cr0 !== null) {
              st.cr0 ^= BigInt(step.cr0);
              mmu.movToCr0(Number(st.cr0) >>> 0);
            }
            if (step.cr4 !== null) {
              st.cr4 ^= BigInt(step.cr4);
              mmu.movToCr4(Number(st.cr4));
            }
            g.cpl = st.cpl;
            g.rflags = Number(st.rflags);
            g.pkru = Number(st.pkru) >>> 0;
            const la = (base + BigInt(step.offset)) & M64;
            const ref = refTranslate(st, refMem, la, step.kind, step.size, policy);
            const pa = mmu.translate(Number(la & 0xffffffffn) >>> 0, Number(la >> 32n) >>> 0, ACC[step.kind], step.size);
            const cr2 = (BigInt(g.cr2Hi >>> 0) << 32n) | BigInt(g.cr2Lo >>> 0);
            if (mmu.faultVector !== 13 && mmu.found !== FOUND_WALK) tlbHits++;
            const got = pa >= 0 ? `ok ${hex(pa)}${mmu.pa2 >= 0 ? ` ${hex(mmu.pa2)}` : ''}`
              : mmu.faultVector === 14 ? `#PF ${hex(mmu.faultErrorCode)} ${hex(cr2)}` : `#${mmu.faultVector}`;
            const want = ref.outcome === 'ok' ? `ok ${hex(ref.pa)}${ref.pa2 !== undefined ? ` ${hex(ref.pa2)}` : ''}`
              : ref.vector === 14 ? `#PF ${hex(ref.errorCode)} ${hex(ref.cr2)}` : `#13`;
            const where = `step ${i}: la=${hex(la)} ${step.kind}/${step.size} cpl=${st.cpl} rflags=${hex(st.rflags)} ` +
              `pkru=${hex(st.pkru)} cr0=${hex(st.cr0)} cr4=${hex(st.cr4)}`;
            if (got !== want) throw new Error(`${where}: reference ${want}, mmu ${got}\n${differencesHeader(b, c)}`);
            for (const [at, v] of refMem) {
              const m = phys.read64n(Number(at));
              if (m !== v) throw new Error(`${where}: qword ${hex(at)} reference ${hex(v)}, mmu ${hex(m)}\n${differencesHeader(b, c)}`);
            }
          });
        }),
        { numRuns: runs, seed: SEED ?? (policy === 'lazy' ? 0x5e9 : 0x5ea) },
      );
      expect(tlbHits, 'some steps are served from the TLBs, not by walks').toBeGreaterThan(runs / 5);
    });
  }
});

describe('vectors files of the same kind at other MAXPHYADDRs (the hidden-vector path)', () => {
  /** A paging-vectors/1 file whose expected results are the reference's, for random cases at one MAXPHYADDR. */
  function synthesize(maxPhyAddr: number, n: number, seed: number): string {
    const cases = fc.sample(caseArb.map((c) => ({ ...c, maxPhyAddr })), { numRuns: n, seed });
    const q = (m: Map<bigint, bigint>) => [...m].map(([pa, v]) => ({ pa: hex(pa), value: '0x' + v.toString(16).padStart(16, '0') }));
    const vectors = cases.map((c, i) => {
      const b = build(c);
      const lazyMem: RefMemory = new Map(b.qwords);
      const eagerMem: RefMemory = new Map(b.qwords);
      const r = refTranslate(b.state, lazyMem, b.la, c.kind, c.size, 'lazy');
      refTranslate(b.state, eagerMem, b.la, c.kind, c.size, 'eager');
      const differ = [...lazyMem].some(([pa, v]) => eagerMem.get(pa) !== v);
      const s = b.state;
      return {
        id: `ref-${maxPhyAddr}-${i}`, family: 'reference',
        state: { cr0: hex(s.cr0), cr3: hex(s.cr3), cr4: hex(s.cr4), efer: hex(s.efer), rflags: hex(s.rflags), pkru: hex(s.pkru), cpl: s.cpl },
        memory: q(b.qwords),
        access: { la: hex(b.la), kind: c.kind, size: c.size },
        result: {
          outcome: r.outcome,
          ...(r.outcome === 'ok' ? { pa: hex(r.pa) } : { vector: r.vector }),
          ...(r.outcome === 'fault' && r.vector === 14 ? { error_code: hex(r.errorCode), cr2: hex(r.cr2) } : {}),
          memory: q(eagerMem),
          ...(differ ? { memory_lazy: q(lazyMem) } : {}),
        },
        ...(differ ? { implementation_defined: ['ad-on-fault'] } : {}),
      };
    });
    return JSON.stringify({ schema: 'paging-vectors/1', source: 'tests/hw/mmu/reference.ts', maxphyaddr: maxPhyAddr, vectors });
  }

  for (const maxPhyAddr of [32, 44, 52]) {
    it(`every reference-built vector at MAXPHYADDR ${maxPhyAddr} passes tools/vectors under both policies`, () => {
      const file = parseVectors(synthesize(maxPhyAddr, 600, maxPhyAddr), `reference-${maxPhyAddr}.json`);
      expect(file.maxphyaddr).toBe(maxPhyAddr);
      for (const policy of ['lazy', 'eager'] as const) {
        const failed = runVectors(file, policy).results.filter((r) => !r.passed);
        expect(failed.slice(0, 3).map((r) => `${policy} ${r.id}: ${r.mismatches.join('; ')}`)).toEqual([]);
      }
    });
  }
});
