// The T64 core (docs/t64.md, docs/cpu.md).
//
// One instruction = fetch (an instruction-fetch translation of the 8-byte word at pc) → decode
// (#UD, #DE detected here) → at most one data access (a data translation at the current CPL,
// then `dataLatency` stall cycles) → execute (CYCLES_BY_CLASS cycles) → commit. Faults are taken
// before anything is committed, so a faulting instruction has not executed and resuming restarts
// it, as on x86. `run` is the fast path; `stepCycle` walks the same stages one clock cycle at a
// time through the MMU's begin/tick state machine. Both charge the same cycles and commit the
// same state.
import { ACC_FETCH, FOUND_L1, type Mmu } from '../mmu/mmu.ts';
import type { TlbArray } from '../mmu/tlb.ts';
import type { Clock } from '../clock.ts';
import type { PhysMem } from '../mem/phys-mem.ts';
import { add64, divu64, lt64, ltu64, mul64, remu64, res, sar64, shl64, shr64, sub64 } from './alu.ts';
import {
  MEM_POP, MEM_PUSH, OP_CYCLES, OP_MEM_COUNT, OP_MEM_KIND, OP_MEM_SIZE, OP_MEM_WRITE, OP_VALID,
  RESERVED_MASK_W0,
} from './decode.ts';

/** `run`/`step*` results. EXIT_NONE: no exit (the step finished normally or is still in progress). */
export const EXIT_NONE = 0;
/** An exception was raised: see `cpu.exc`. */
export const EXIT_EXCEPTION = 1;
/** `syscall` retired: pc is the next instruction; the number is in r0. */
export const EXIT_SYSCALL = 2;
/** The clock reached `untilCycle` at an instruction boundary. */
export const EXIT_BUDGET = 3;

/** Exception vectors (SDM Vol. 3A 6.15). */
export const VEC_DE = 0, VEC_BP = 3, VEC_UD = 6, VEC_GP = 13, VEC_PF = 14, VEC_AC = 17;

/** Stages of the cycle-stepped path. */
const ST_IDLE = 0, ST_FETCH = 1, ST_MEM = 2, ST_STALL = 3, ST_EXEC = 4;

const OP_DIVU = 0x04, OP_REMU = 0x05;
/** Opcodes the fast path executes inline (register-only, cannot fault). */
const OP_INLINE = new Uint8Array(256);
for (const op of [0x01, 0x02, 0x06, 0x07, 0x08, 0x0c, 0x0d, 0x11, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x40, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x61])
  OP_INLINE[op] = 1;
const FRAME = 4096;
const DC_SIZE = 64;

// Instruction words are read as little-endian int32 pairs through a view of the frame's bytes.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('pagewalk: the T64 core needs a little-endian host');
const WORD_VIEWS = new WeakMap<Uint8Array, Int32Array>();
/** An Int32Array over a 4 KiB frame's bytes (frames are whole, 4-aligned ArrayBuffer regions). */
function wordsOf(frame: Uint8Array): Int32Array {
  let v = WORD_VIEWS.get(frame);
  if (v === undefined) {
    v = new Int32Array(frame.buffer, frame.byteOffset, FRAME >>> 2);
    WORD_VIEWS.set(frame, v);
  }
  return v;
}

/** What the core reports for an exception (EXIT_EXCEPTION). */
export interface CpuException {
  vector: number;
  errorCode: number;
  /** #PF: CR2 (the faulting linear address). #AC: the misaligned target. Otherwise 0. */
  cr2Lo: number;
  cr2Hi: number;
  /** Address of the faulting instruction (for #AC: the misaligned pc; for #BP: the `trap`; pc is past it). */
  pcLo: number;
  pcHi: number;
}

export class CpuCounters {
  /** Retired instructions (syscall and trap included; faulting instructions not). */
  instructions = 0;
  /** Instruction fetches translated (including fetches that faulted). */
  fetches = 0;
  /** Data reads (ld*, pop, ret, and the read of xchg/xadd) that completed. */
  loads = 0;
  /** Data writes (st*, push, call, callr, and the write of xchg/xadd) that completed. */
  stores = 0;
  /** Exceptions raised (any vector). */
  exceptions = 0;
  /** Page faults (#PF) raised. */
  pageFaults = 0;
  /** System calls (EXIT_SYSCALL). */
  syscalls = 0;
  /** Cycles spent stalled on the MMU (fetch and data translations) and on data memory. */
  stallCycles = 0;
}

/** Everything countable about a run: the core's counters, the clock, and the MMU's TLB figures. */
export interface CpuStats {
  cycles: number;
  instructions: number;
  fetches: number;
  loads: number;
  stores: number;
  exceptions: number;
  pageFaults: number;
  syscalls: number;
  stallCycles: number;
  /** Per TLB level: hits and misses (L1 iTLB, L1 dTLB, STLB). */
  tlb: { l1i: { hits: number; misses: number }; l1d: { hits: number; misses: number }; l2: { hits: number; misses: number } };
  /** Page walks started and paging-structure entries they read. */
  walks: number;
  walkRefs: number;
}

export interface CpuConfig {
  /** Cycles a data access (load, store, atomic, stack) waits for memory after its translation. Default 0. */
  dataLatency: number;
}

export class Cpu {
  readonly regLo = new Uint32Array(16);
  readonly regHi = new Uint32Array(16);
  pcLo = 0;
  pcHi = 0;
  readonly exc: CpuException = { vector: 0, errorCode: 0, cr2Lo: 0, cr2Hi: 0, pcLo: 0, pcHi: 0 };
  readonly counters = new CpuCounters();
  dataLatency: number;

  private readonly phys: PhysMem;
  // Last frames used by fetch / data reads / data writes, valid while phys.generation is unchanged.
  private fBase = -1;
  private fWords: Int32Array = new Int32Array(1024);
  private fGen = -1;
  // Data frames: a direct-mapped cache by physical frame number (DC_SIZE entries), emptied
  // whenever phys.generation moves. dcReal = 1 where the frame has backing memory (writable in place).
  private readonly dcBase = new Float64Array(DC_SIZE).fill(-1);
  private readonly dcFrame: Uint8Array[] = new Array<Uint8Array>(DC_SIZE).fill(new Uint8Array(0));
  private readonly dcReal = new Uint8Array(DC_SIZE);
  private dcGen = -1;
  // Loaded value of the last `load`.
  private ldLo = 0;
  private ldHi = 0;

  /**
   * Fetch-page cache (a micro-iTLB in front of translate()): when on, a fetch from the same page
   * as the last one, whose iTLB entry and paging registers are unchanged, applies the MMU's
   * L1-hit effects (hit counters, LRU, cycles) without a full lookup. Off: every fetch calls
   * translate(). Results are identical either way (tests/hw/cpu/fetch-cache.test.ts).
   */
  fetchCache = true;
  private iT: TlbArray | null = null;
  private iIdx = 0;
  private iKey = 0;
  private iAsid = 0;
  private iAttr = 0;
  private iBase = 0;
  private iVpnLo = -1;
  private iVpnHi = 0;
  private iPa = 0;
  private iCr0 = 0;
  private iCr3Lo = 0;
  private iCr4 = 0;
  private iEfer = 0;
  private iCpl = 0;
  private iLat = 0;

  // Cycle-stepped state.
  private st = ST_IDLE;
  private sW0 = 0;
  private sImm = 0;
  private sPa = -1;
  private sLaLo = 0;
  private sLeft = 0;
  private sT0 = 0;

  constructor(readonly mmu: Mmu, readonly clock: Clock, config: Partial<CpuConfig> = {}) {
    this.phys = mmu.phys;
    this.dataLatency = config.dataLatency ?? 0;
  }

  /** A snapshot of the counters, the cycle count and the MMU's TLB and walk figures. */
  stats(): CpuStats {
    const m = this.mmu, c = this.counters;
    const hm = (l: { hits: number; misses: number }) => ({ hits: l.hits, misses: l.misses });
    return {
      cycles: this.clock.now, instructions: c.instructions, fetches: c.fetches, loads: c.loads, stores: c.stores,
      exceptions: c.exceptions, pageFaults: c.pageFaults, syscalls: c.syscalls, stallCycles: c.stallCycles,
      tlb: { l1i: hm(m.l1i), l1d: hm(m.l1d), l2: hm(m.l2) },
      walks: m.walks, walkRefs: m.walkRefs,
    };
  }

  /**
   * Where the cycle-stepped path is: between instructions, translating the fetch or the data
   * access (the MMU's `state` has the details), stalled on data memory, or executing (the
   * instruction commits at the end of its last cycle). `cyclesLeft` counts the stall / execute
   * cycles still to come; `opcode` is the fetched instruction's (-1 before it is fetched).
   */
  get stage(): { stage: 'boundary' | 'fetch' | 'data' | 'stall' | 'execute'; cyclesLeft: number; opcode: number } {
    const names = ['boundary', 'fetch', 'data', 'stall', 'execute'] as const;
    const st = this.st;
    return {
      stage: names[st],
      cyclesLeft: st === ST_STALL || st === ST_EXEC ? this.sLeft : 0,
      opcode: st >= ST_MEM ? this.sW0 & 0xff : -1,
    };
  }

  /** True between instructions (no instruction is part-way through the cycle-stepped path). */
  get atBoundary(): boolean {
    return this.st === ST_IDLE;
  }

  /** Clear registers and pc (and abandon a part-done cycle-stepped instruction). */
  reset(): void {
    this.regLo.fill(0);
    this.regHi.fill(0);
    this.pcLo = 0;
    this.pcHi = 0;
    this.abandon();
  }

  /**
   * Abandon a part-done cycle-stepped instruction (e.g. before the kernel changes pc or the address
   * space under it); the next step starts at pc. Cycles already spent stay spent.
   */
  abandon(): void {
    // A translation in flight completes (its cycles and A/D updates happen, as on hardware).
    if (this.st === ST_FETCH || this.st === ST_MEM) while (!this.mmu.tick());
    this.st = ST_IDLE;
  }

  // ---------------------------------------------------------------- fast path

  /** Run until an exception, a system call, or the clock reaching `untilCycle` at an instruction boundary. */
  run(untilCycle: number): number {
    if (this.st !== ST_IDLE) {
      const r = this.finishStepped();
      if (r !== EXIT_NONE) return r;
    }
    return this.loop(untilCycle, -1);
  }

  /** Execute one whole instruction (finishing a part-done stepped one first). Returns EXIT_NONE or an exit. */
  stepInstruction(): number {
    if (this.st !== ST_IDLE) return this.finishStepped();
    return this.loop(Infinity, 1);
  }

  private finishStepped(): number {
    for (;;) {
      const r = this.stepCycle();
      if (r !== EXIT_NONE || this.st === ST_IDLE) return r;
    }
  }

  /**
   * The fast path: instructions until an exit, the clock reaching untilCycle (checked before each
   * instruction), or `count` instructions (-1: no limit).
   */
  private loop(untilCycle: number, count: number): number {
    const mmu = this.mmu, clock = this.clock, k = this.counters, r = mmu.regs;
    const regLo = this.regLo, regHi = this.regHi;
    // True while nothing but inline instructions ran since the fetch cache was last validated: then
    // no MMU call and no other code ran, so the cached iTLB entry and the registers are unchanged.
    let hot = false;
    for (;;) {
      if (count === 0) return EXIT_NONE;
      count--;
      if (clock.now >= untilCycle) return EXIT_BUDGET;
      const pcLo = this.pcLo, pcHi = this.pcHi;
      if ((pcLo & 7) !== 0) return this.raiseAc();
      const c0 = clock.now;
      // ---- fetch
      let pa: number;
      const t = this.iT;
      const i = this.iIdx;
      if (t !== null && pcLo >>> 12 === this.iVpnLo && pcHi === this.iVpnHi && (hot || (t.key[i] === this.iKey &&
          t.asid[i] === this.iAsid && t.attr[i] === this.iAttr && t.base[i] === this.iBase &&
          r.cr0 === this.iCr0 && r.cr3Lo === this.iCr3Lo && r.cr4 === this.iCr4 && r.efer === this.iEfer &&
          r.cpl === this.iCpl && mmu.tracer === null))) {
        // The page of the last fetch, and the iTLB entry that translated it is unchanged, as is every
        // register the lookup and the rights check read: translate() would take its L1-hit short path
        // on this very entry. Apply exactly its effects (hw/mmu/mmu.ts translate()).
        t.hit(i);
        mmu.l1i.hits++;
        mmu.translations++;
        const lat = this.iLat;
        clock.now = c0 + lat;
        pa = this.iPa + (pcLo & 0xfff);
        mmu.result = pa;
        mmu.faultVector = 0;
        mmu.faultErrorCode = 0;
        mmu.pa2 = -1;
        mmu.split = 8;
        mmu.found = FOUND_L1;
        mmu.lastCycles = lat;
        hot = true;
      } else {
        pa = mmu.translate(pcLo, pcHi, ACC_FETCH, 8);
        if (pa < 0) {
          k.fetches++;
          k.stallCycles += clock.now - c0;
          return this.raiseMmu();
        }
        if (this.fetchCache) this.cacheFetchEntry(pcLo, pcHi, pa);
        else this.iT = null;
        hot = this.iT !== null;
      }
      k.fetches++;
      // Read the instruction word from the frame (cached per frame; live bytes, so stores to code are seen).
      const o = pa & 0xfff;
      const base = pa - o;
      const gen = this.phys.generation;
      if (base !== this.fBase || gen !== this.fGen) {
        this.fWords = wordsOf(this.phys.frameForRead(base / FRAME));
        this.fBase = base;
        this.fGen = gen;
      }
      const w0 = this.fWords[o >>> 2];
      const imm = this.fWords[(o >>> 2) + 1];
      const op = w0 & 0xff;
      const t0 = clock.now;
      if (OP_INLINE[op] === 0 || (w0 & RESERVED_MASK_W0) !== 0) {
        hot = false; // data translations may change the TLBs
        const ex = this.finishInsn(w0, imm, c0);
        if (ex !== EXIT_NONE) return ex;
        continue;
      }
      // Register-only instructions that cannot fault, executed here; the rest go through commit().
      // Same semantics as commit() (tests/hw/cpu/stepping.test.ts compares the two paths).
      k.stallCycles += t0 - c0;
      clock.now = t0 + OP_CYCLES[op];
      k.instructions++;
      const rd = (w0 >>> 8) & 15, rs = (w0 >>> 12) & 15, rt = (w0 >>> 16) & 15;
      const immHi = imm < 0 ? 0xffffffff : 0;
      switch (op) {
        case 0x01: { // add
          const lo = regLo[rs] + regLo[rt];
          regHi[rd] = regHi[rs] + regHi[rt] + (lo > 0xffffffff ? 1 : 0);
          regLo[rd] = lo;
          break;
        }
        case 0x02: { // sub
          const lo = regLo[rs] - regLo[rt];
          regHi[rd] = regHi[rs] - regHi[rt] - (lo < 0 ? 1 : 0);
          regLo[rd] = lo;
          break;
        }
        case 0x06: { const lo = regLo[rs] & regLo[rt]; regHi[rd] = regHi[rs] & regHi[rt]; regLo[rd] = lo; break; }
        case 0x07: { const lo = regLo[rs] | regLo[rt]; regHi[rd] = regHi[rs] | regHi[rt]; regLo[rd] = lo; break; }
        case 0x08: { const lo = regLo[rs] ^ regLo[rt]; regHi[rd] = regHi[rs] ^ regHi[rt]; regLo[rd] = lo; break; }
        case 0x0c: { // sltu
          const aHi = regHi[rs], bHi = regHi[rt];
          regLo[rd] = aHi < bHi || (aHi === bHi && regLo[rs] < regLo[rt]) ? 1 : 0;
          regHi[rd] = 0;
          break;
        }
        case 0x0d: { // slt
          const aHi = regHi[rs] | 0, bHi = regHi[rt] | 0;
          regLo[rd] = aHi < bHi || (aHi === bHi && regLo[rs] < regLo[rt]) ? 1 : 0;
          regHi[rd] = 0;
          break;
        }
        case 0x11: { // addi
          const lo = regLo[rs] + (imm >>> 0);
          regHi[rd] = regHi[rs] + immHi + (lo > 0xffffffff ? 1 : 0);
          regLo[rd] = lo;
          break;
        }
        case 0x16: regLo[rd] = regLo[rs] & imm; regHi[rd] = regHi[rs] & immHi; break;
        case 0x17: regLo[rd] = regLo[rs] | imm; regHi[rd] = regHi[rs] | immHi; break;
        case 0x18: regLo[rd] = regLo[rs] ^ imm; regHi[rd] = regHi[rs] ^ immHi; break;
        case 0x19: case 0x1a: case 0x1b: { // shli, shri, sari
          if (op === 0x19) shl64(regLo[rs], regHi[rs], imm & 63);
          else if (op === 0x1a) shr64(regLo[rs], regHi[rs], imm & 63);
          else sar64(regLo[rs], regHi[rs], imm & 63);
          regLo[rd] = res[0];
          regHi[rd] = res[1];
          break;
        }
        case 0x20: regLo[rd] = imm; regHi[rd] = immHi; break; // li
        case 0x21: regHi[rd] = imm; break; // lih
        case 0x22: regLo[rd] = regLo[rs]; regHi[rd] = regHi[rs]; break; // mov
        case 0x61: break; // nop
        default: { // 0x40 jmp, 0x48..0x4f conditional branches
          let taken = true;
          if (op !== 0x40) {
            const aLo = regLo[rs], aHi = regHi[rs];
            const bLo = op >= 0x4e ? 0 : regLo[rt], bHi = op >= 0x4e ? 0 : regHi[rt];
            switch (op) {
              case 0x48: case 0x4e: taken = aLo === bLo && aHi === bHi; break;
              case 0x49: case 0x4f: taken = aLo !== bLo || aHi !== bHi; break;
              case 0x4a: taken = (aHi | 0) < (bHi | 0) || (aHi === bHi && aLo < bLo); break;
              case 0x4b: taken = !((aHi | 0) < (bHi | 0) || (aHi === bHi && aLo < bLo)); break;
              case 0x4c: taken = aHi < bHi || (aHi === bHi && aLo < bLo); break;
              default: taken = !(aHi < bHi || (aHi === bHi && aLo < bLo)); break;
            }
          }
          if (taken) {
            const lo = pcLo + (imm >>> 0);
            this.pcHi = (pcHi + immHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
            this.pcLo = lo >>> 0;
            continue;
          }
        }
      }
      // Next instruction: pc + 8 (pc is 8-aligned, so the low half wraps to exactly 0).
      if (pcLo === 0xfffffff8) {
        this.pcLo = 0;
        this.pcHi = (pcHi + 1) >>> 0;
      } else this.pcLo = pcLo + 8;
    }
  }

  /** Decode, data access and commit of a fetched instruction (the general path; c0 = clock at fetch start). */
  private finishInsn(w0: number, imm: number, c0: number): number {
    const mmu = this.mmu, clock = this.clock, k = this.counters;
    const op = w0 & 0xff;
    if (this.decodeFault(w0) !== EXIT_NONE) {
      k.stallCycles += clock.now - c0;
      return EXIT_EXCEPTION;
    }
    let dpa = -1;
    if (OP_MEM_KIND[op] !== 0) {
      this.memAddress(w0, imm);
      dpa = mmu.translate(this.maLo, this.maHi, OP_MEM_WRITE[op], OP_MEM_SIZE[op]);
      if (dpa < 0) {
        k.stallCycles += clock.now - c0;
        return this.raiseMmu();
      }
      if (this.dataLatency !== 0) clock.now += this.dataLatency;
    }
    k.stallCycles += clock.now - c0;
    const t0 = clock.now;
    clock.now += OP_CYCLES[op];
    return this.commit(w0, imm, dpa, this.maLo, t0);
  }

  /**
   * Remember the iTLB entry that now translates the fetched page, if translate() would find it
   * first on its L1 short path (the first L1 iTLB array, probed for 4 KiB pages first).
   */
  private cacheFetchEntry(pcLo: number, pcHi: number, pa: number): void {
    this.iT = null;
    const mmu = this.mmu;
    const arrays = mmu.l1i.arrays;
    if (arrays.length === 0 || mmu.tracer !== null) return;
    const t = arrays[0];
    if (t.codes.length === 0 || t.codes[0] !== 0) return;
    const i = t.find(pcLo, pcHi, 0, mmu.currentPcid);
    if (i < 0 || t.base[i] + (pcLo & 0xfff) !== pa) return;
    const r = mmu.regs;
    this.iT = t;
    this.iIdx = i;
    this.iKey = t.key[i];
    this.iAsid = t.asid[i];
    this.iAttr = t.attr[i];
    this.iBase = t.base[i];
    this.iVpnLo = pcLo >>> 12;
    this.iVpnHi = pcHi;
    this.iPa = pa - (pcLo & 0xfff);
    this.iCr0 = r.cr0;
    this.iCr3Lo = r.cr3Lo;
    this.iCr4 = r.cr4;
    this.iEfer = r.efer;
    this.iCpl = r.cpl;
    this.iLat = mmu.config.latency.l1Tlb;
  }

  // ---------------------------------------------------------------- cycle-stepped path

  /**
   * Advance exactly one clock cycle. Stages that take no cycle (a translation that ends at once:
   * paging off, a non-canonical #GP) run within the same call. The only calls that advance no
   * cycle are those that raise an exception without one (a misaligned pc, a zero-cycle #GP).
   * Returns EXIT_NONE while the instruction is in flight or when it retired normally, otherwise
   * the exit it raised in this cycle.
   */
  stepCycle(): number {
    const mmu = this.mmu, clock = this.clock, k = this.counters;
    const c0 = clock.now;
    for (;;) {
      switch (this.st) {
        case ST_IDLE: {
          if ((this.pcLo & 7) !== 0) return this.raiseAc();
          mmu.begin(this.pcLo, this.pcHi, ACC_FETCH, 8);
          k.fetches++;
          this.st = ST_FETCH;
          break;
        }
        case ST_FETCH: {
          const done = mmu.tick();
          k.stallCycles += clock.now - c0;
          if (!done) return EXIT_NONE;
          const pa = mmu.result;
          if (pa < 0) {
            this.st = ST_IDLE;
            return this.raiseMmu();
          }
          const w0 = this.phys.read32(pa) | 0;
          const imm = this.phys.read32(pa + 4) | 0;
          if (this.decodeFault(w0) !== EXIT_NONE) {
            this.st = ST_IDLE;
            return EXIT_EXCEPTION;
          }
          this.sW0 = w0;
          this.sImm = imm;
          this.sPa = -1;
          const op = w0 & 0xff;
          if (OP_MEM_KIND[op] !== 0) {
            this.memAddress(w0, imm);
            this.sLaLo = this.maLo;
            mmu.begin(this.maLo, this.maHi, OP_MEM_WRITE[op], OP_MEM_SIZE[op]);
            this.st = ST_MEM;
          } else {
            this.enterExec();
          }
          break;
        }
        case ST_MEM: {
          const c1 = clock.now;
          const done = mmu.tick();
          k.stallCycles += clock.now - c1;
          if (!done) return EXIT_NONE;
          const pa = mmu.result;
          if (pa < 0) {
            this.st = ST_IDLE;
            return this.raiseMmu();
          }
          this.sPa = pa;
          if (this.dataLatency !== 0) {
            this.sLeft = this.dataLatency;
            this.st = ST_STALL;
          } else {
            this.enterExec();
          }
          break;
        }
        case ST_STALL: {
          if (clock.now !== c0) return EXIT_NONE;
          k.stallCycles++;
          clock.now++;
          if (--this.sLeft === 0) this.enterExec();
          return EXIT_NONE;
        }
        default: {
          // ST_EXEC: the last cycle commits.
          if (clock.now !== c0) return EXIT_NONE;
          clock.now++;
          if (--this.sLeft !== 0) return EXIT_NONE;
          this.st = ST_IDLE;
          return this.commit(this.sW0, this.sImm, this.sPa, this.sLaLo, this.sT0);
        }
      }
      if (clock.now !== c0) return EXIT_NONE;
    }
  }

  private enterExec(): void {
    this.sT0 = this.clock.now;
    this.sLeft = OP_CYCLES[this.sW0 & 0xff];
    this.st = ST_EXEC;
  }

  // ---------------------------------------------------------------- stages shared by both paths

  /** #UD (unknown opcode, reserved bits) and #DE (divu/remu by zero), detected before execution. */
  private decodeFault(w0: number): number {
    const op = w0 & 0xff;
    if (OP_VALID[op] === 0 || (w0 & RESERVED_MASK_W0) !== 0) return this.raise(VEC_UD, 0, 0, 0);
    if (op === OP_DIVU || op === OP_REMU) {
      const rt = (w0 >>> 16) & 15;
      if (this.regLo[rt] === 0 && this.regHi[rt] === 0) return this.raise(VEC_DE, 0, 0, 0);
    }
    return EXIT_NONE;
  }

  private maLo = 0;
  private maHi = 0;

  /** Linear address of the instruction's data access → maLo/maHi. */
  private memAddress(w0: number, imm: number): void {
    const kind = OP_MEM_KIND[w0 & 0xff];
    const regLo = this.regLo, regHi = this.regHi;
    if (kind === MEM_PUSH) {
      sub64(regLo[15], regHi[15], 8, 0);
    } else if (kind === MEM_POP) {
      res[0] = regLo[15];
      res[1] = regHi[15];
    } else {
      const rs = (w0 >>> 12) & 15;
      add64(regLo[rs], regHi[rs], imm >>> 0, imm < 0 ? 0xffffffff : 0);
    }
    this.maLo = res[0];
    this.maHi = res[1];
  }

  /**
   * Perform the instruction's effect. `pa` is the translated data address (or -1), `laLo` the low
   * half of its linear address (to see whether it straddles a page: then mmu.pa2 holds the second
   * page's address), `t0` the clock at the start of the execute stage (what rdcycle reads).
   */
  private commit(w0: number, imm: number, pa: number, laLo: number, t0: number): number {
    const regLo = this.regLo, regHi = this.regHi;
    const op = w0 & 0xff;
    const rd = (w0 >>> 8) & 15, rs = (w0 >>> 12) & 15, rt = (w0 >>> 16) & 15;
    const immHi = imm < 0 ? 0xffffffff : 0;
    const pcLo = this.pcLo, pcHi = this.pcHi;
    let nLo = pcLo + 8, nHi = pcHi; // next pc
    if (nLo >= 0x100000000) {
      nLo -= 0x100000000;
      nHi = (nHi + 1) >>> 0;
    }
    this.counters.instructions++;
    const mc = OP_MEM_COUNT[op];
    if (mc !== 0) {
      if (mc & 1) this.counters.loads++;
      if (mc & 2) this.counters.stores++;
    }
    switch (op) {
      case 0x01: add64(regLo[rs], regHi[rs], regLo[rt], regHi[rt]); break;
      case 0x02: sub64(regLo[rs], regHi[rs], regLo[rt], regHi[rt]); break;
      case 0x03: mul64(regLo[rs], regHi[rs], regLo[rt], regHi[rt]); break;
      case 0x04: divu64(regLo[rs], regHi[rs], regLo[rt], regHi[rt]); break;
      case 0x05: remu64(regLo[rs], regHi[rs], regLo[rt], regHi[rt]); break;
      case 0x06: res[0] = regLo[rs] & regLo[rt]; res[1] = regHi[rs] & regHi[rt]; break;
      case 0x07: res[0] = regLo[rs] | regLo[rt]; res[1] = regHi[rs] | regHi[rt]; break;
      case 0x08: res[0] = regLo[rs] ^ regLo[rt]; res[1] = regHi[rs] ^ regHi[rt]; break;
      case 0x09: shl64(regLo[rs], regHi[rs], regLo[rt] & 63); break;
      case 0x0a: shr64(regLo[rs], regHi[rs], regLo[rt] & 63); break;
      case 0x0b: sar64(regLo[rs], regHi[rs], regLo[rt] & 63); break;
      case 0x0c: res[0] = ltu64(regLo[rs], regHi[rs], regLo[rt], regHi[rt]) ? 1 : 0; res[1] = 0; break;
      case 0x0d: res[0] = lt64(regLo[rs], regHi[rs], regLo[rt], regHi[rt]) ? 1 : 0; res[1] = 0; break;
      case 0x11: add64(regLo[rs], regHi[rs], imm >>> 0, immHi); break;
      case 0x13: mul64(regLo[rs], regHi[rs], imm >>> 0, immHi); break;
      case 0x16: res[0] = regLo[rs] & imm; res[1] = regHi[rs] & immHi; break;
      case 0x17: res[0] = regLo[rs] | imm; res[1] = regHi[rs] | immHi; break;
      case 0x18: res[0] = regLo[rs] ^ imm; res[1] = regHi[rs] ^ immHi; break;
      case 0x19: shl64(regLo[rs], regHi[rs], imm & 63); break;
      case 0x1a: shr64(regLo[rs], regHi[rs], imm & 63); break;
      case 0x1b: sar64(regLo[rs], regHi[rs], imm & 63); break;
      case 0x20: res[0] = imm; res[1] = immHi; break;
      case 0x21: res[0] = regLo[rd]; res[1] = imm; break;
      case 0x22: res[0] = regLo[rs]; res[1] = regHi[rs]; break;
      case 0x30: case 0x31: case 0x32: case 0x33:
        this.load(pa, laLo, OP_MEM_SIZE[op]);
        res[0] = this.ldLo;
        res[1] = this.ldHi;
        break;
      case 0x34: case 0x35: case 0x36: case 0x37:
        this.store(pa, laLo, OP_MEM_SIZE[op], regLo[rt], regHi[rt]);
        this.pcLo = nLo;
        this.pcHi = nHi;
        return EXIT_NONE;
      case 0x38: case 0x39: {
        // xchg / xadd: one locked read-modify-write of M64[a] (translated once, as a write).
        const vLo = regLo[rt], vHi = regHi[rt];
        this.load(pa, laLo, 8);
        const oLo = this.ldLo, oHi = this.ldHi;
        if (op === 0x38) this.store(pa, laLo, 8, vLo, vHi);
        else {
          add64(oLo, oHi, vLo, vHi);
          this.store(pa, laLo, 8, res[0], res[1]);
        }
        res[0] = oLo;
        res[1] = oHi;
        break;
      }
      case 0x40: // jmp
        add64(pcLo, pcHi, imm >>> 0, immHi);
        this.pcLo = res[0];
        this.pcHi = res[1];
        return EXIT_NONE;
      case 0x41: // jr
        this.pcLo = regLo[rs];
        this.pcHi = regHi[rs];
        return EXIT_NONE;
      case 0x42: case 0x43: { // call, callr: push(pc + 8); pc = target
        let tLo = 0, tHi = 0;
        if (op === 0x42) {
          add64(pcLo, pcHi, imm >>> 0, immHi);
          tLo = res[0];
          tHi = res[1];
        }
        this.store(pa, laLo, 8, nLo, nHi);
        sub64(regLo[15], regHi[15], 8, 0);
        regLo[15] = res[0];
        regHi[15] = res[1];
        if (op === 0x43) {
          // callr: t64.md's order, push then pc = rs (callr sp jumps to the decremented sp)
          tLo = regLo[rs];
          tHi = regHi[rs];
        }
        this.pcLo = tLo;
        this.pcHi = tHi;
        return EXIT_NONE;
      }
      case 0x44: // ret
        this.load(pa, laLo, 8);
        add64(regLo[15], regHi[15], 8, 0);
        regLo[15] = res[0];
        regHi[15] = res[1];
        this.pcLo = this.ldLo;
        this.pcHi = this.ldHi;
        return EXIT_NONE;
      case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
        const aLo = regLo[rs], aHi = regHi[rs];
        const bLo = op >= 0x4e ? 0 : regLo[rt], bHi = op >= 0x4e ? 0 : regHi[rt];
        let taken: boolean;
        switch (op) {
          case 0x48: case 0x4e: taken = aLo === bLo && aHi === bHi; break;
          case 0x49: case 0x4f: taken = aLo !== bLo || aHi !== bHi; break;
          case 0x4a: taken = lt64(aLo, aHi, bLo, bHi); break;
          case 0x4b: taken = !lt64(aLo, aHi, bLo, bHi); break;
          case 0x4c: taken = ltu64(aLo, aHi, bLo, bHi); break;
          default: taken = !ltu64(aLo, aHi, bLo, bHi); break;
        }
        if (taken) {
          add64(pcLo, pcHi, imm >>> 0, immHi);
          this.pcLo = res[0];
          this.pcHi = res[1];
        } else {
          this.pcLo = nLo;
          this.pcHi = nHi;
        }
        return EXIT_NONE;
      }
      case 0x50: { // push: sp = sp - 8; M64[sp] = rs, in t64.md's order (push sp stores the new sp)
        sub64(regLo[15], regHi[15], 8, 0);
        regLo[15] = res[0];
        regHi[15] = res[1];
        this.store(pa, laLo, 8, regLo[rs], regHi[rs]);
        this.pcLo = nLo;
        this.pcHi = nHi;
        return EXIT_NONE;
      }
      case 0x51: { // pop: rd = M64[sp]; sp = sp + 8, in t64.md's order (pop sp: sp = loaded value + 8)
        this.load(pa, laLo, 8);
        regLo[rd] = this.ldLo;
        regHi[rd] = this.ldHi;
        add64(regLo[15], regHi[15], 8, 0);
        regLo[15] = res[0];
        regHi[15] = res[1];
        this.pcLo = nLo;
        this.pcHi = nHi;
        return EXIT_NONE;
      }
      case 0x60: // syscall
        this.pcLo = nLo;
        this.pcHi = nHi;
        this.counters.syscalls++;
        return EXIT_SYSCALL;
      case 0x61: // nop
        this.pcLo = nLo;
        this.pcHi = nHi;
        return EXIT_NONE;
      case 0x62: // rdcycle
        res[0] = t0 % 0x100000000;
        res[1] = Math.floor(t0 / 0x100000000);
        break;
      default: { // 0x63 trap: #BP, a trap: pc is past it
        this.pcLo = nLo;
        this.pcHi = nHi;
        return this.raiseAt(VEC_BP, 0, 0, 0, pcLo, pcHi);
      }
    }
    // Instructions that write rd fall out here.
    regLo[rd] = res[0];
    regHi[rd] = res[1];
    this.pcLo = nLo;
    this.pcHi = nHi;
    return EXIT_NONE;
  }

  // ---------------------------------------------------------------- data memory

  /** Read `size` bytes (little-endian, zero-extended) at pa; a page-straddling access continues at mmu.pa2. */
  private load(pa: number, laLo: number, size: number): void {
    const o = pa & 0xfff;
    const first = FRAME - (laLo & 0xfff);
    if (first < size) {
      this.loadSplit(pa, this.mmu.pa2, first, size);
      return;
    }
    const f = this.dataFrame(pa - o, false);
    switch (size) {
      case 1: this.ldLo = f[o]; this.ldHi = 0; break;
      case 2: this.ldLo = f[o] | (f[o + 1] << 8); this.ldHi = 0; break;
      case 4: this.ldLo = (f[o] | (f[o + 1] << 8) | (f[o + 2] << 16) | (f[o + 3] << 24)) >>> 0; this.ldHi = 0; break;
      default:
        this.ldLo = (f[o] | (f[o + 1] << 8) | (f[o + 2] << 16) | (f[o + 3] << 24)) >>> 0;
        this.ldHi = (f[o + 4] | (f[o + 5] << 8) | (f[o + 6] << 16) | (f[o + 7] << 24)) >>> 0;
    }
  }

  /** The bytes of the frame at physical address `base` (for a write: allocated if never written). */
  private dataFrame(base: number, write: boolean): Uint8Array {
    const phys = this.phys;
    if (phys.generation !== this.dcGen) {
      this.dcBase.fill(-1);
      this.dcGen = phys.generation;
    }
    const pfn = base / FRAME;
    const idx = pfn & (DC_SIZE - 1);
    if (this.dcBase[idx] === base && (!write || this.dcReal[idx] === 1)) return this.dcFrame[idx];
    let f = phys.frame(pfn);
    if (f === undefined && write) {
      f = phys.frameForWrite(pfn); // allocates: the generation moves, every cached frame stays valid
      this.dcGen = phys.generation;
    }
    this.dcReal[idx] = f === undefined ? 0 : 1;
    if (f === undefined) f = phys.frameForRead(pfn);
    this.dcBase[idx] = base;
    this.dcFrame[idx] = f;
    return f;
  }

  private loadSplit(pa: number, pa2: number, first: number, size: number): void {
    let lo = 0, hi = 0;
    for (let i = 0; i < size; i++) {
      const b = i < first ? this.phys.read8(pa + i) : this.phys.read8(pa2 + i - first);
      if (i < 4) lo |= b << (8 * i);
      else hi |= b << (8 * (i - 4));
    }
    this.ldLo = lo >>> 0;
    this.ldHi = hi >>> 0;
  }

  /** Write the low `size` bytes of (lo, hi) at pa; a page-straddling access continues at mmu.pa2. */
  private store(pa: number, laLo: number, size: number, lo: number, hi: number): void {
    const o = pa & 0xfff;
    const first = FRAME - (laLo & 0xfff);
    if (first < size) {
      const pa2 = this.mmu.pa2;
      for (let i = 0; i < size; i++) {
        const b = (i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4))) & 0xff;
        this.phys.write8(i < first ? pa + i : pa2 + i - first, b);
      }
      return;
    }
    const f = this.dataFrame(pa - o, true);
    f[o] = lo;
    if (size === 1) return;
    f[o + 1] = lo >>> 8;
    if (size === 2) return;
    f[o + 2] = lo >>> 16;
    f[o + 3] = lo >>> 24;
    if (size === 4) return;
    f[o + 4] = hi;
    f[o + 5] = hi >>> 8;
    f[o + 6] = hi >>> 16;
    f[o + 7] = hi >>> 24;
  }

  // ---------------------------------------------------------------- exceptions

  private raiseAt(vector: number, errorCode: number, cr2Lo: number, cr2Hi: number, pcLo: number, pcHi: number): number {
    const e = this.exc;
    e.vector = vector;
    e.errorCode = errorCode;
    e.cr2Lo = cr2Lo;
    e.cr2Hi = cr2Hi;
    e.pcLo = pcLo;
    e.pcHi = pcHi;
    this.counters.exceptions++;
    if (vector === VEC_PF) this.counters.pageFaults++;
    return EXIT_EXCEPTION;
  }

  private raise(vector: number, errorCode: number, cr2Lo: number, cr2Hi: number): number {
    return this.raiseAt(vector, errorCode, cr2Lo, cr2Hi, this.pcLo, this.pcHi);
  }

  /** The MMU's fault (#PF with error code and CR2, or #GP(0) for a non-canonical address). */
  private raiseMmu(): number {
    const m = this.mmu;
    if (m.faultVector === VEC_PF) return this.raise(VEC_PF, m.faultErrorCode, m.regs.cr2Lo, m.regs.cr2Hi);
    return this.raise(m.faultVector, m.faultErrorCode, 0, 0);
  }

  /** A misaligned pc (docs/t64.md: SIGBUS BUS_ADRALN at the jump target), before its fetch. */
  private raiseAc(): number {
    return this.raise(VEC_AC, 0, this.pcLo, this.pcHi);
  }
}
