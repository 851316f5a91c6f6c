// The x86-64 MMU (SDM Vol. 3A ch. 4): TLBs, paging-structure caches, the page walk, and
// invalidation, as a state machine that advances one cycle per tick(). translate() runs the
// same machine to completion at once (and takes a short path for an L1 TLB hit), so both
// give the same results, side effects and cycle counts.
//
// Timing of one page (an access that straddles a 4 KiB boundary is two pages, in order):
//   L1 TLB lookup (latency.l1Tlb) → on a miss, STLB lookup (latency.l2Tlb) → on a miss, a walk:
//   paging-structure caches pick the first level to read (no extra cycles), then one memory
//   reference per level, each taking latency.walk[level]; the entry is read on its last cycle.
import type { Clock } from '../clock.ts';
import type { PhysMem } from '../mem/phys-mem.ts';
import { LEVEL_NAMES, hiAddrMask, pteAddr } from '../pte.ts';
import type { TraceSink } from '../trace.ts';
import * as accessRights from './access.ts';
import * as codes from './codes.ts';
import { resolveMmuConfig, type MmuConfig, type MmuConfigInput } from './config.ts';
import { FrameCache } from './frame-cache.ts';
import { Invalidator } from './invalidate.ts';
import * as regs from './regs.ts';
import { MmuRegs, currentPcid, isCanonicalHi } from './regs.ts';
import * as tlb from './tlb.ts';
import { SIZE_SHIFT, TlbArray, type ArrayCounters } from './tlb.ts';
import { Walker, addrOf } from './walk.ts';

// Local copies of imported constants and functions (V8 folds these; see codes.ts).
const { ACCESS_NAMES, rightsFault } = accessRights;
const {
  ACC_WRITE, ACC_FETCH, PH_IDLE, PH_L1, PH_L2, PH_WALK, PH_DONE, FOUND_L1, FOUND_L2, FOUND_WALK,
  WALK_RUNNING, WALK_OK, WALK_FAULT,
} = codes;
const { CR0_PG, CR3_PCID_MASK, CR4_LA57, CR4_PCIDE, CR4_PKE, VEC_GP, VEC_PF } = regs;
const { ATTR_D, ATTR_G, ATTR_RW, ATTR_SIZE_SHIFT, ATTR_US, ATTR_XD } = tlb;

export { ACC_FETCH, ACC_READ, ACC_WRITE, FOUND_L1, FOUND_L2, FOUND_WALK, PH_DONE, PH_IDLE, PH_L1, PH_L2, PH_WALK } from './codes.ts';
export const PHASE_NAMES = ['idle', 'l1-tlb', 'l2-tlb', 'walk', 'done'] as const;
const FOUND_NAMES = ['l1', 'l2', 'miss'] as const;

/** Page-offset mask by size code. */
const OFFSET_MASK = [0xfff, 0x1fffff, 0x3fffffff] as const;

/** One TLB level (L1 iTLB, L1 dTLB, STLB): arrays probed in parallel. */
export class TlbLevel {
  hits = 0;
  misses = 0;
  readonly arrays: TlbArray[];
  constructor(readonly name: string, arrays: TlbArray[]) {
    // One elements kind for every level, empty or not, so the code that walks `arrays` stays
    // monomorphic (an empty literal would keep V8's small-integer elements kind).
    const a: (TlbArray | null)[] = [null];
    a.pop();
    for (const t of arrays) a.push(t);
    this.arrays = a as TlbArray[];
  }

  /** Array index and entry index of a hit packed as arrayIdx * 2^24 + entry, or -1. No side effects. */
  probe(lo: number, hi: number, pcid: number): number {
    const arrays = this.arrays;
    for (let a = 0; a < arrays.length; a++) {
      const i = arrays[a].lookup(lo, hi, pcid);
      if (i >= 0) return a * 0x1000000 + i;
    }
    return -1;
  }

  /** Fills the entry in every array of this level that holds pages of size `code`. */
  fill(lo: number, hi: number, code: number, pcid: number, base: number, attr: number): void {
    for (const t of this.arrays) if (t.holds(code)) t.insert(lo, hi, code, pcid, (attr & ATTR_G) !== 0, base, attr);
  }

  stats(): TlbLevelStats {
    const s: TlbLevelStats = { hits: this.hits, misses: this.misses, evictions: 0, invalidations: 0, fills: 0, arrays: {} };
    for (const t of this.arrays) {
      const c = t.counters();
      s.evictions += c.evictions;
      s.invalidations += c.invalidations;
      s.fills += c.fills;
      s.arrays[t.name] = c;
    }
    return s;
  }
}

export interface TlbLevelStats {
  hits: number;
  misses: number;
  evictions: number;
  invalidations: number;
  fills: number;
  arrays: Record<string, ArrayCounters>;
}

export interface MmuStats {
  translations: number;
  /** Page walks started (TLB misses, and writes that hit an entry cached with D = 0). */
  walks: number;
  /** Paging-structure entries read by walks. */
  walkRefs: number;
  /** Walks caused by a write hitting a TLB entry whose dirty flag was 0. */
  dirtyWalks: number;
  pageFaults: number;
  gpFaults: number;
  l1i: TlbLevelStats;
  l1d: TlbLevelStats;
  l2: TlbLevelStats;
  psc: Record<'pml5e' | 'pml4e' | 'pdpte' | 'pde', ArrayCounters>;
}

/** A snapshot of the state machine, for a caller stepping cycle by cycle. */
export interface MmuState {
  phase: (typeof PHASE_NAMES)[number];
  /** 0 for the page of the first byte, 1 for the second page of a straddling access. */
  piece: number;
  /** Linear address being translated (first byte of the current page piece). */
  la: bigint;
  /** Walk phase: level of the entry being read (5 = PML5E ... 1 = PTE) and its physical address. */
  level: number;
  levelName: string;
  entryAddr: number;
  /** Cycles left in the current phase. */
  cyclesLeft: number;
}

/** A TLB hit the L1 short path may use: no dirty-bit walk needed (a write needs D = 1), rights allow the access. */
function usableHit(attr: number, access: number, r: MmuRegs): boolean {
  return (access !== ACC_WRITE || (attr & ATTR_D) !== 0) && rightsFault(attr, access, r) === 0;
}

/**
 * usableHit for a CPL-3 access with CR4.PKE = 0, as one test by access type: the hit is usable
 * if (attr & USER_HIT_MASK[access]) === USER_HIT_WANT[access] (a user page; writable and dirty
 * for a write; not execute-disable for a fetch). A false answer is not a denial: usableHit decides.
 */
const USER_HIT_MASK = Int32Array.of(ATTR_US, ATTR_US | ATTR_RW | ATTR_D, ATTR_US | ATTR_XD);
const USER_HIT_WANT = Int32Array.of(ATTR_US, ATTR_US | ATTR_RW | ATTR_D, ATTR_US);

export class Mmu {
  readonly regs = new MmuRegs();
  readonly config: MmuConfig;
  tracer: TraceSink | null = null;
  /** CPU number reported in trace events. */
  cpuId = 0;

  // Results of the last translation.
  /** Physical address of the first byte, or -1 after a fault. */
  result = -1;
  /** Exception raised by the last translation: 0 none, 13 #GP(0), 14 #PF. */
  faultVector = 0;
  faultErrorCode = 0;
  /** Straddling access: physical address of the first byte in the second page (else -1). */
  pa2 = -1;
  /** Bytes of the access in the first page (the size when it does not straddle). */
  split = 0;
  /** Where the (first page's) translation was found: FOUND_L1, FOUND_L2 or FOUND_WALK. */
  found = FOUND_L1;
  /** Cycles the last translation took. */
  lastCycles = 0;
  /** Combined rights (ATTR_*) of the last page whose rights were checked, or -1 (for explain). */
  lastAttr = -1;

  readonly l1i: TlbLevel;
  readonly l1d: TlbLevel;
  readonly l2: TlbLevel;
  /** Paging-structure caches by level (2 = PDE cache ... 5 = PML5E cache); null when disabled. */
  readonly psc: (TlbArray | null)[];
  readonly invalidator: Invalidator;
  /** The first array of each L1 TLB when it holds 4 KiB pages first (the short path probes it). */
  private readonly i4k: TlbArray | null;
  private readonly d4k: TlbArray | null;

  translations = 0;
  walks = 0;
  walkRefs = 0;
  dirtyWalks = 0;
  pageFaults = 0;
  gpFaults = 0;

  private readonly hiMask: number;
  private readonly l1Lat: number;
  private readonly l2Lat: number;
  private readonly walkLat: Int32Array;
  private readonly eager: boolean;
  private readonly walkers: [Walker, Walker];
  /** Lazy policy: the piece's walk succeeded and waits for commit (A/D writes, fills). */
  private readonly pending = new Uint8Array(2);

  // The translation in flight.
  private phase = PH_IDLE;
  private left = 0;
  private access = 0;
  private size = 0;
  private pieces = 1;
  private piece = 0;
  private laLo = 0;
  private laHi = 0;
  private curLo = 0;
  private curHi = 0;
  private pcid = 0;
  private startCycle = 0;
  private pieceFound = 0;

  constructor(readonly phys: PhysMem, readonly clock: Clock, config?: Partial<MmuConfig> | MmuConfigInput) {
    const c = (this.config = resolveMmuConfig(config));
    this.l1i = new TlbLevel('l1i', c.itlb.map((a) => TlbArray.fromConfig(a, c.seed)));
    this.l1d = new TlbLevel('l1d', c.dtlb.map((a) => TlbArray.fromConfig(a, c.seed)));
    this.l2 = new TlbLevel('l2', c.stlb.map((a) => TlbArray.fromConfig(a, c.seed)));
    const p = c.psc;
    this.psc = [
      null,
      null,
      p.enabled ? TlbArray.forPsc('pde-cache', 1, p.pde, c.seed) : null,
      p.enabled ? TlbArray.forPsc('pdpte-cache', 2, p.pdpte, c.seed) : null,
      p.enabled ? TlbArray.forPsc('pml4e-cache', 3, p.pml4e, c.seed) : null,
      p.enabled ? TlbArray.forPsc('pml5e-cache', 4, p.pml5e, c.seed) : null,
    ];
    this.hiMask = hiAddrMask(phys.maxPhyAddr);
    this.l1Lat = c.latency.l1Tlb;
    this.l2Lat = c.latency.l2Tlb;
    const w = c.latency.walk;
    this.walkLat = Int32Array.from([0, w.pte, w.pde, w.pdpte, w.pml4e, w.pml5e]);
    this.eager = c.adPolicy === 'eager';
    const frames = new FrameCache(phys);
    this.walkers = [new Walker(phys, frames), new Walker(phys, frames)];
    this.invalidator = new Invalidator(this);
    const first4k = (l: TlbLevel) => (l.arrays.length > 0 && l.arrays[0].codes[0] === 0 ? l.arrays[0] : null);
    this.i4k = first4k(this.l1i);
    this.d4k = first4k(this.l1d);
  }

  /** The PCID in use (CR3[11:0] with CR4.PCIDE = 1, else 0). */
  get currentPcid(): number {
    return currentPcid(this.regs);
  }

  /** Physical base of the top-level table (CR3 bits MAXPHYADDR-1:12). */
  get rootTable(): number {
    const r = this.regs;
    return (r.cr3Hi & hiAddrMask(this.phys.maxPhyAddr)) * 0x100000000 + ((r.cr3Lo & 0xfffff000) >>> 0);
  }

  /** Number of paging levels in use: 5 with CR4.LA57, else 4. */
  get levels(): number {
    return (this.regs.cr4 & CR4_LA57) !== 0 ? 5 : 4;
  }

  /**
   * Translates an access of `size` bytes (1..4096) at linear address (laLo, laHi).
   * Returns the physical address of the first byte, or -1 on a fault (faultVector,
   * faultErrorCode and, for #PF, regs.cr2Lo/Hi are set). Advances the clock.
   */
  translate(laLo: number, laHi: number, access: number, size: number): number {
    // Short path, kept small so V8 inlines it into callers: a CPL-3 access to one page with
    // CR4.PKE = 0 that hits in the first (4 KiB) array of the L1 TLB, is allowed and needs no
    // dirty-bit update; nothing traced, nothing in flight. Same effects as the state machine.
    const t = access === ACC_FETCH ? this.i4k : this.d4k;
    const r = this.regs;
    if (t !== null && r.cpl === 3 && (laLo & 0xfff) + size <= 0x1000 && this.tracer === null && (this.phase & 3) === 0) {
      const cr4 = r.cr4;
      const top = (cr4 & CR4_LA57) !== 0 ? laHi >> 24 : laHi >> 15;
      if ((r.cr0 & CR0_PG) !== 0 && (top === 0 || top === -1) && (cr4 & CR4_PKE) === 0) {
        const i = t.hinted4k(laLo, laHi, (cr4 & CR4_PCIDE) !== 0 ? r.cr3Lo & CR3_PCID_MASK : 0);
        if (i >= 0 && (t.attr[i] & USER_HIT_MASK[access]) === USER_HIT_WANT[access]) return this.l1Hit(t, i, access, laLo, size);
      }
    }
    return this.translateSlow(laLo, laHi, access, size);
  }

  /** An L1 hit on entry i of the first array, for the short paths: the L1 phase's effects. */
  private l1Hit(t: TlbArray, i: number, access: number, laLo: number, size: number): number {
    t.hit(i);
    (access === ACC_FETCH ? this.l1i : this.l1d).hits++;
    this.translations++;
    const lat = this.l1Lat;
    this.clock.now += lat;
    const pa = t.base[i] + (laLo & 0xfff);
    this.result = pa;
    this.faultVector = 0;
    this.faultErrorCode = 0;
    this.pa2 = -1;
    this.split = size;
    this.found = FOUND_L1;
    this.lastCycles = lat;
    return pa;
  }

  /**
   * The rest of translate(). First the short path for the hits translate() leaves here (any CPL,
   * keys; rights by rightsFault); then the state machine run to completion: each phase's cycles
   * at once, and a walk's references in one loop (what endWalkRef does per reference, without
   * the per-cycle bookkeeping): the same steps, in the same order, as tick() would make.
   * (One function on purpose: at this size V8 does not inline it into translate(), which keeps
   * translate()'s optimized code small enough to be inlined into its callers.)
   */
  private translateSlow(laLo: number, laHi: number, access: number, size: number): number {
    const t = access === ACC_FETCH ? this.i4k : this.d4k;
    const r = this.regs;
    if (t !== null && (laLo & 0xfff) + size <= 0x1000 && this.tracer === null && (this.phase & 3) === 0) {
      const cr4 = r.cr4;
      const top = (cr4 & CR4_LA57) !== 0 ? laHi >> 24 : laHi >> 15;
      if ((r.cr0 & CR0_PG) !== 0 && (top === 0 || top === -1)) {
        const i = t.find4k(laLo, laHi, (cr4 & CR4_PCIDE) !== 0 ? r.cr3Lo & CR3_PCID_MASK : 0);
        if (i >= 0 && usableHit(t.attr[i], access, r)) return this.l1Hit(t, i, access, laLo, size);
      }
    }
    this.begin(laLo, laHi, access, size);
    while (this.phase !== PH_DONE) {
      if (this.phase === PH_WALK && this.tracer === null) {
        const w = this.walkers[this.piece];
        const lat = this.walkLat;
        let cycles = this.left;
        let st = w.step(r);
        let refs = 1;
        while (st === WALK_RUNNING) {
          cycles += lat[w.level];
          st = w.step(r);
          refs++;
        }
        this.clock.now += cycles;
        this.left = 0;
        this.walkRefs += refs;
        this.walkDone(w, st);
        continue;
      }
      this.clock.now += this.left;
      this.left = 0;
      this.endPhase();
    }
    return this.result;
  }

  /** Starts a cycle-stepped translation; call tick() until it returns true, then read `result`. */
  begin(laLo: number, laHi: number, access: number, size: number): void {
    if (this.phase === PH_L1 || this.phase === PH_L2 || this.phase === PH_WALK)
      throw new Error('Mmu.begin: a translation is already in flight');
    if (!(size >= 1 && size <= 4096)) throw new RangeError(`Mmu: access size ${size} out of range 1..4096`);
    const r = this.regs;
    this.translations++;
    this.access = access;
    this.size = size;
    this.laLo = laLo >>> 0;
    this.laHi = laHi >>> 0;
    this.startCycle = this.clock.now;
    this.result = -1;
    this.faultVector = 0;
    this.faultErrorCode = 0;
    this.pa2 = -1;
    this.lastAttr = -1;
    this.pending[0] = this.pending[1] = 0;
    const off = laLo & 0xfff;
    this.pieces = off + size > 0x1000 ? 2 : 1;
    this.split = this.pieces === 2 ? 0x1000 - off : size;
    if ((r.cr0 & CR0_PG) === 0) {
      // Paging disabled: linear = physical.
      this.result = this.laHi * 0x100000000 + this.laLo;
      if (this.pieces === 2) this.pa2 = this.result + this.split;
      return this.finish();
    }
    // Canonical check of the first and last byte (SDM 3.3.7.1): #GP(0), before any paging.
    const la57 = (r.cr4 & CR4_LA57) !== 0;
    const lastLo = (this.laLo + size - 1) >>> 0;
    const lastHi = lastLo < this.laLo ? (this.laHi + 1) >>> 0 : this.laHi;
    if (!isCanonicalHi(this.laHi, la57) || !isCanonicalHi(lastHi, la57)) {
      this.faultVector = VEC_GP;
      this.gpFaults++;
      return this.finish();
    }
    this.pcid = currentPcid(r);
    this.startPiece(0);
  }

  /**
   * Abandons a cycle-stepped translation in flight (the caller changed course). Side effects
   * already made stay (eager A flags, fills of a finished first page); nothing else happens.
   */
  abort(): void {
    if (this.phase === PH_L1 || this.phase === PH_L2 || this.phase === PH_WALK) {
      this.pending[0] = this.pending[1] = 0;
      this.phase = PH_IDLE;
      this.left = 0;
      this.result = -1;
    }
  }

  /** True while a cycle-stepped translation is in flight. */
  get busy(): boolean {
    return this.phase === PH_L1 || this.phase === PH_L2 || this.phase === PH_WALK;
  }

  /** Advances one cycle. Returns true when the translation is complete (then it does nothing). */
  tick(): boolean {
    if (this.phase === PH_DONE || this.phase === PH_IDLE) return true;
    this.clock.now++;
    if (--this.left === 0) this.endPhase();
    return this.phase === PH_DONE;
  }

  /** The state machine as the caller of tick() sees it. */
  get state(): MmuState {
    const w = this.walkers[this.piece];
    const walking = this.phase === PH_WALK;
    return {
      phase: PHASE_NAMES[this.phase],
      piece: this.piece,
      la: (BigInt(this.curHi) << 32n) | BigInt(this.curLo),
      level: walking ? w.level : 0,
      levelName: walking ? LEVEL_NAMES[w.level] : '',
      entryAddr: walking ? w.nextEntryAddr() : -1,
      cyclesLeft: this.left,
    };
  }

  // ---- the state machine --------------------------------------------------------------

  private startPiece(p: number): void {
    this.piece = p;
    if (p === 0) {
      this.curLo = this.laLo;
      this.curHi = this.laHi;
    } else {
      this.curLo = ((this.laLo | 0xfff) + 1) >>> 0;
      this.curHi = this.curLo === 0 ? (this.laHi + 1) >>> 0 : this.laHi;
    }
    this.phase = PH_L1;
    this.left = this.l1Lat;
  }

  private endPhase(): void {
    switch (this.phase) {
      case PH_L1: return this.endL1();
      case PH_L2: return this.endL2();
      case PH_WALK: return this.endWalkRef();
    }
  }

  private endL1(): void {
    const level = this.access === ACC_FETCH ? this.l1i : this.l1d;
    const h = level.probe(this.curLo, this.curHi, this.pcid);
    if (h >= 0) {
      level.hits++;
      const t = level.arrays[Math.floor(h / 0x1000000)];
      const i = h % 0x1000000;
      t.hit(i);
      return this.useEntry(t, i, FOUND_L1);
    }
    level.misses++;
    this.phase = PH_L2;
    this.left = this.l2Lat;
  }

  private endL2(): void {
    const h = this.l2.probe(this.curLo, this.curHi, this.pcid);
    if (h >= 0) {
      this.l2.hits++;
      const t = this.l2.arrays[Math.floor(h / 0x1000000)];
      const i = h % 0x1000000;
      t.hit(i);
      const attr = t.attr[i];
      // Refill the L1 TLB of this access type from the STLB.
      (this.access === ACC_FETCH ? this.l1i : this.l1d).fill(this.curLo, this.curHi, attr >>> ATTR_SIZE_SHIFT, this.pcid, t.base[i], attr);
      return this.useEntry(t, i, FOUND_L2);
    }
    this.l2.misses++;
    this.startWalk();
  }

  /** A TLB hit: rights are checked against the current mode (SDM 4.10.2.2); a write to a clean entry walks. */
  private useEntry(t: TlbArray, i: number, found: number): void {
    this.pieceFound = found;
    const attr = t.attr[i];
    this.lastAttr = attr;
    const fault = rightsFault(attr, this.access, this.regs);
    if (fault !== 0) return this.pageFault(fault);
    if (this.access === ACC_WRITE && (attr & ATTR_D) === 0) {
      this.dirtyWalks++;
      return this.startWalk();
    }
    this.pieceDone(t.base[i] + (this.curLo & OFFSET_MASK[attr >>> ATTR_SIZE_SHIFT]));
  }

  /** Starts a walk, skipping the levels a paging-structure-cache hit covers (SDM 4.10.3.2). */
  private startWalk(): void {
    this.walks++;
    this.pieceFound = FOUND_WALK;
    const r = this.regs;
    const top = (r.cr4 & CR4_LA57) !== 0 ? 5 : 4;
    let level = top;
    let table = addrOf(r.cr3Lo, r.cr3Hi & this.hiMask); // CR3 bits MAXPHYADDR-1:12
    let attr = ATTR_RW | ATTR_US;
    let pscLevel = 0;
    for (let l = 2; l <= top; l++) {
      const c = this.psc[l];
      if (c === null) continue;
      const i = c.lookup(this.curLo, this.curHi, this.pcid);
      if (i >= 0) {
        c.hit(i);
        level = l - 1;
        table = c.base[i];
        attr = c.attr[i];
        pscLevel = l;
        break;
      }
      c.misses++;
    }
    const w = this.walkers[this.piece];
    w.start(this.curLo, this.curHi, this.access, level, table, attr, this.regs, this.eager);
    if (this.tracer !== null && pscLevel !== 0) {
      this.tracer.event({
        kind: 'walk-step', cycle: this.clock.now, cpu: this.cpuId, la: this.curLa(), level: pscLevel, entryAddr: -1,
        entry: 0n, pscHit: true,
        note: `${LEVEL_NAMES[pscLevel].toUpperCase()} cache hit (PCID ${this.pcid}): skips ${top - level} level${top - level === 1 ? '' : 's'}; ` +
          `${LEVEL_NAMES[level].toUpperCase()} read from the table at 0x${table.toString(16)}; cached rights R/W=${(attr >> 1) & 1} U/S=${(attr >> 2) & 1} XD=${(attr >> 3) & 1}`,
      });
    }
    this.phase = PH_WALK;
    this.left = this.walkLat[level];
  }

  private endWalkRef(): void {
    const w = this.walkers[this.piece];
    const level = w.level;
    const st = w.step(this.regs);
    this.walkRefs++;
    if (this.tracer !== null) this.traceStep(w, level, st);
    if (st === WALK_RUNNING) {
      this.left = this.walkLat[w.level];
      return;
    }
    this.walkDone(w, st);
  }

  /** The walk ended: a #PF, or a translation to commit now (eager) or when the access completes (lazy). */
  private walkDone(w: Walker, st: number): void {
    if (w.leafLevel !== 0) this.lastAttr = w.attr;
    if (st === WALK_FAULT) return this.pageFault(w.errorCode);
    if (this.eager) this.commit(this.piece);
    else this.pending[this.piece] = 1;
    this.pieceDone(w.pageBase + (this.curLo & OFFSET_MASK[w.leafLevel - 1]));
  }

  /** A successful walk: A/D flags (SDM 4.8), then the TLBs and paging-structure caches are filled. */
  private commit(p: number): void {
    const w = this.walkers[p];
    w.commit();
    const code = w.leafLevel - 1;
    const lo = w.laLo;
    const hi = w.laHi;
    (w.access === ACC_FETCH ? this.l1i : this.l1d).fill(lo, hi, code, this.pcid, w.pageBase, w.attr);
    this.l2.fill(lo, hi, code, this.pcid, w.pageBase, w.attr);
    for (let l = w.startLevel; l > w.leafLevel; l--) {
      const c = this.psc[l];
      if (c !== null) c.insert(lo, hi, l - 1, this.pcid, false, pteAddr(w.entryLo[l], w.entryHi[l]), w.attrAt[l] & (ATTR_RW | ATTR_US | ATTR_XD));
    }
  }

  private pieceDone(pa: number): void {
    if (this.piece === 0) {
      this.result = pa;
      this.found = this.pieceFound;
      if (this.pieces === 2) return this.startPiece(1);
    } else {
      this.pa2 = pa;
      if (this.pieceFound > this.found) this.found = this.pieceFound;
    }
    for (let p = 0; p < 2; p++) if (this.pending[p] !== 0) this.commit(p);
    this.finish();
  }

  /** #PF: error code, CR2 = first byte in the faulting page; TLB/PSC entries for it invalidated (SDM 4.10.4.1). */
  private pageFault(errorCode: number): void {
    if (this.piece === 0) this.found = this.pieceFound;
    this.pageFaults++;
    this.result = -1;
    this.pa2 = -1;
    this.faultVector = VEC_PF;
    this.faultErrorCode = errorCode;
    this.regs.cr2Lo = this.curLo;
    this.regs.cr2Hi = this.curHi;
    this.invalidator.pageFault(this.curLo, this.curHi, this.pcid);
    this.finish();
  }

  private finish(): void {
    this.phase = PH_DONE;
    this.left = 0;
    this.lastCycles = this.clock.now - this.startCycle;
    if (this.tracer !== null) {
      this.tracer.event({
        kind: 'translate', cycle: this.clock.now, cpu: this.cpuId, la: (BigInt(this.laHi) << 32n) | BigInt(this.laLo),
        access: ACCESS_NAMES[this.access] ?? 'read', size: this.size, cpl: this.regs.cpl, tlb: FOUND_NAMES[this.found],
        pa: this.result, cycles: this.lastCycles,
        ...(this.faultVector !== 0 ? { fault: { vector: this.faultVector, errorCode: this.faultErrorCode } } : {}),
      });
    }
  }

  private curLa(): bigint {
    return (BigInt(this.curHi) << 32n) | BigInt(this.curLo);
  }

  private traceStep(w: Walker, level: number, st: number): void {
    const lo = w.entryLo[level];
    const hi = w.entryHi[level];
    const note =
      st === WALK_RUNNING ? `next table 0x${w.table.toString(16)}`
      : st === WALK_OK ? `maps page 0x${w.pageBase.toString(16)}`
      : `fault, error code 0x${w.errorCode.toString(16)}`;
    this.tracer!.event({
      kind: 'walk-step', cycle: this.clock.now, cpu: this.cpuId, la: this.curLa(), level, entryAddr: w.entryAddr[level],
      entry: (BigInt(hi) << 32n) | BigInt(lo), pscHit: false, note: `${LEVEL_NAMES[level]}: ${note}`,
    });
  }

  // ---- control registers and invalidation (SDM 4.10.4) ---------------------------------

  /** MOV to CR0. Returns false (and changes nothing) where the instruction would #GP. */
  movToCr0(v: number): boolean {
    return this.invalidator.movToCr0(v);
  }

  /** MOV to CR3 from the 64-bit value (lo, hi); bit 63 is the no-flush hint when CR4.PCIDE = 1. */
  movToCr3(lo: number, hi: number): boolean {
    return this.invalidator.movToCr3(lo, hi);
  }

  movToCr4(v: number): boolean {
    return this.invalidator.movToCr4(v);
  }

  invlpg(laLo: number, laHi: number): void {
    this.invalidator.invlpg(laLo, laHi);
  }

  /** INVPCID types 0-3. Returns false where the instruction would #GP. */
  invpcid(type: number, pcid: number, laLo = 0, laHi = 0): boolean {
    return this.invalidator.invpcid(type, pcid, laLo, laHi);
  }

  /** Empties every TLB and paging-structure cache (global entries too). */
  flushAll(): void {
    this.invalidator.flushAll('flush', 'flushAll()');
  }

  /** Every TLB array and paging-structure cache. */
  allArrays(): TlbArray[] {
    const out = [...this.l1i.arrays, ...this.l1d.arrays, ...this.l2.arrays];
    for (const c of this.psc) if (c !== null) out.push(c);
    return out;
  }

  get stats(): MmuStats {
    const empty: ArrayCounters = { hits: 0, misses: 0, evictions: 0, invalidations: 0, fills: 0 };
    const psc = (l: number) => this.psc[l]?.counters() ?? { ...empty };
    return {
      translations: this.translations, walks: this.walks, walkRefs: this.walkRefs, dirtyWalks: this.dirtyWalks,
      pageFaults: this.pageFaults, gpFaults: this.gpFaults,
      l1i: this.l1i.stats(), l1d: this.l1d.stats(), l2: this.l2.stats(),
      psc: { pml5e: psc(5), pml4e: psc(4), pdpte: psc(3), pde: psc(2) },
    };
  }

  resetStats(): void {
    this.translations = this.walks = this.walkRefs = this.dirtyWalks = this.pageFaults = this.gpFaults = 0;
    for (const l of [this.l1i, this.l1d, this.l2]) l.hits = l.misses = 0;
    for (const t of this.allArrays()) t.resetCounters();
  }
}

export { SIZE_SHIFT };
