// Random T64 programs for property tests (fast-check), and drivers that run them on the bare
// machine through the fast path or cycle by cycle, servicing faults the same way, and snapshot
// everything observable (exits, registers, memory, page tables, counters, TLB statistics).
import fc from 'fast-check';
import { Bare, PAGE, type Insn } from './bare.ts';
import { EXIT_BUDGET, EXIT_NONE, EXIT_SYSCALL, VEC_PF } from '../../hw/cpu/cpu.ts';

/** Programs start 32 instructions before a page boundary, so longer ones run on into a second code page. */
export const CODE = 0x400000n + 4096n - 256n;
export const DATA = 0x600000n; // 4 pages: 0-1 rw, 2 read-only, 3 unmapped until a fault maps it
const STACK_TOP = 0x7ffffffff000n;

const reg = fc.integer({ min: 0, max: 7 });
const imm = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -70, max: 70 }));
const dataOff = fc.oneof(fc.integer({ min: 0, max: 4 * 4096 - 1 }), fc.constantFrom(4093, 4094, 4095, 8189, 8190, 12285, 12287));
const alu = fc.constantFrom('add', 'sub', 'mul', 'divu', 'remu', 'and', 'or', 'xor', 'shl', 'shr', 'sar', 'sltu', 'slt');
const alui = fc.constantFrom('addi', 'muli', 'andi', 'ori', 'xori', 'shli', 'shri', 'sari', 'li', 'lih');
const load = fc.constantFrom('ld8', 'ld16', 'ld32', 'ld64');
const store = fc.constantFrom('st8', 'st16', 'st32', 'st64');

/** One random instruction at index i of n (branches and calls go forward, inside the program). */
function insnArb(): fc.Arbitrary<(i: number, n: number) => Insn> {
  const fwd = (i: number, n: number, k: number) => Math.min(k, n - i) * 8;
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(alu, reg, reg, reg).map(([m, d, s, t]) => () => [m, d, s, t] as Insn) },
    { weight: 5, arbitrary: fc.tuple(alui, reg, reg, imm).map(([m, d, s, v]) => () => [m, d, s, 0, v] as Insn) },
    { weight: 4, arbitrary: fc.tuple(load, reg, dataOff).map(([m, d, o]) => () => [m, d, 8, 0, o] as Insn) },
    { weight: 4, arbitrary: fc.tuple(store, reg, dataOff).map(([m, t, o]) => () => [m, 0, 8, t, o] as Insn) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('xchg', 'xadd'), reg, reg, dataOff).map(([m, d, t, o]) => () => [m, d, 8, t, o] as Insn) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('push', 'pop'), reg).map(([m, r]) => () => (m === 'push' ? [m, 0, r] : [m, r]) as Insn) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom('beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'beqz', 'bnez', 'jmp'), reg, reg, fc.integer({ min: 1, max: 5 }))
        .map(([m, s, t, k]) => (i: number, n: number) => [m, 0, s, t, fwd(i, n, k)] as Insn),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((k) => (i: number, n: number) => ['call', 0, 0, 0, fwd(i, n, k)] as Insn) },
    { weight: 1, arbitrary: fc.constantFrom<Insn>(['ret'], ['rdcycle', 3], ['nop'], ['trap'], ['syscall'], [0x00], [0x2f, 1, 2, 3]).map((x) => () => x) },
  );
}

export const programArb = fc.array(insnArb(), { minLength: 1, maxLength: 60, size: 'max' }).map((fs) => fs.map((f, i) => f(i, fs.length)));

export interface Snapshot {
  log: string[];
  regs: bigint[];
  pc: bigint;
  clock: number;
  counters: string;
  tlb: string;
  data: string[];
  tables: string[];
}

export function machine(program: Insn[], seedRegs: bigint[], fetchCache = true, dataLatency = 0): Bare {
  const b = new Bare({
    machine: { cpu: { dataLatency }, mmu: { dtlb: [{ name: 'd', pageSizes: ['4K'], entries: 4, ways: 2, replacement: 'lru' }] } },
  });
  // The program body runs three times (r9 counts; random instructions use r0..r7 and r8 = DATA).
  b.loadCode(CODE, [...program, ['addi', 9, 9, 0, -1], ['bnez', 0, 9, 0, -8 * (program.length + 1)], ['li', 0, 0, 0, 60], ['syscall']]);
  b.setupStack(STACK_TOP, 2);
  b.mapRange(DATA, 2n * PAGE, { write: true });
  b.map(DATA + 2n * PAGE, {});
  for (let r = 0; r < 8; r++) b.setReg(r, seedRegs[r]);
  b.setReg(8, DATA);
  b.setReg(9, 3n);
  b.cpu.fetchCache = fetchCache;
  return b;
}

/** Handles an exit the same way in both modes; returns false when the program is done. */
function service(b: Bare, r: number, log: string[]): boolean {
  const c = b.cpu;
  if (r === EXIT_SYSCALL) {
    log.push(`syscall@${b.m.clock.now} pc=${b.pc}`);
    return b.reg(0) !== 60n;
  }
  const e = c.exc;
  log.push(`exc${e.vector}/${e.errorCode}@${b.m.clock.now} pc=${e.pcLo.toString(16)} cr2=${e.cr2Lo.toString(16)}`);
  const cr2 = BigInt(e.cr2Lo) | (BigInt(e.cr2Hi) << 32n);
  if (e.vector === VEC_PF && cr2 >= DATA + 3n * PAGE && cr2 < DATA + 4n * PAGE && (e.errorCode & 1) === 0) {
    b.map(cr2, { write: true }); // demand-map the fourth data page, then restart the instruction
    return true;
  }
  if (e.vector === VEC_PF && cr2 >= STACK_TOP - 16n * PAGE && cr2 < STACK_TOP + 4n * PAGE && (e.errorCode & 1) === 0) {
    b.map(cr2, { write: true });
    return true;
  }
  if (e.vector === 3) return true; // trap: pc is already past it
  // Anything else: skip the faulting instruction (the kernel's signal handler might).
  if (e.pcHi === c.pcHi && e.pcLo === c.pcLo) b.setPc(b.pc + 8n);
  else b.setPc(BigInt(e.pcLo) | (BigInt(e.pcHi) << 32n));
  if ((c.pcLo & 7) !== 0 || b.pc < CODE || b.pc >= CODE + 2n * PAGE) return false;
  return true;
}

export const MAX_CYCLES = 20_000;

export function snapshot(b: Bare, log: string[]): Snapshot {
  // Every frame the harness handed out (page tables, code, data, stack): bytes, with A/D bits.
  const tables: string[] = [];
  for (let pfn = 0x1000; pfn < 0x1000 + 32; pfn++) tables.push(Buffer.from(b.phys.frameForRead(pfn)).toString('base64'));
  return {
    log,
    regs: Array.from({ length: 16 }, (_, r) => b.reg(r)),
    pc: b.pc,
    clock: b.m.clock.now,
    counters: JSON.stringify(b.cpu.counters),
    tlb: JSON.stringify(b.mmu.stats),
    data: [0n, 1n, 2n, 3n].map((p) => {
      const f = b.pages.get(DATA / PAGE + p);
      return f === undefined ? '' : Buffer.from(b.phys.readBytes(f, 4096)).toString('base64');
    }),
    tables,
  };
}

export function runFast(b: Bare, slice: number): Snapshot {
  const log: string[] = [];
  for (;;) {
    const r = b.cpu.run(Math.min(b.m.clock.now + slice, MAX_CYCLES));
    if (r === EXIT_BUDGET) {
      if (b.m.clock.now >= MAX_CYCLES) break;
      continue;
    }
    if (!service(b, r, log)) break;
  }
  return snapshot(b, log);
}

export function runStepped(b: Bare, mixFast: boolean): Snapshot {
  const log: string[] = [];
  let n = 0;
  for (;;) {
    if (b.cpu.atBoundary && b.m.clock.now >= MAX_CYCLES) break;
    // Optionally interleave whole instructions on the fast path between cycle steps.
    const r = mixFast && n++ % 7 === 3 ? b.cpu.stepInstruction() : b.cpu.stepCycle();
    if (r === EXIT_NONE) continue;
    if (!service(b, r, log)) break;
  }
  return snapshot(b, log);
}


export const regsArb = fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 8, maxLength: 8 });
