// `npx tsx tools/bench/benchmark.ts cpu`: simulated T64 instructions per second on the fast path,
// with every fetch and data access translated by the MMU and cycle accounting on.
import type { BenchCase, BenchSuite } from './benchmark.ts';
import { Bare, type Insn } from '../../tests/harness/bare.ts';
import { EXIT_SYSCALL } from '../../hw/cpu/cpu.ts';

const CODE = 0x400000n;
const DATA = 0x10000000n;

/** A program that runs `iters` iterations of `body` (which must not touch r14) and then syscalls. */
function loop(body: (Insn | string)[], iters: number): (Insn | string)[] {
  return [['li', 14, 0, 0, iters], 'top', ...body, ['addi', 14, 14, 0, -1], ['bnez', 0, 14, 0, 'top'], ['syscall']];
}

function bench(name: string, body: (Insn | string)[], iters: number, setup: (b: Bare) => void, target?: number): BenchCase {
  const b = new Bare();
  const prog = loop(body, iters);
  b.loadCode(CODE, prog);
  b.setupStack();
  setup(b);
  const insns = 1 + iters * (body.filter((x) => typeof x !== 'string').length + 2) + 1;
  const once = () => {
    b.setPc(CODE);
    if (b.cpu.run(Number.MAX_SAFE_INTEGER) !== EXIT_SYSCALL) throw new Error(`${name}: did not reach syscall`);
  };
  once(); // warm TLBs and the JIT
  return { name, fn: once, unitsPerOp: insns, unit: 'instr', target };
}

function memLoop(workingSet: number, stride: number): (Insn | string)[] {
  // r6 = base, r5 = offset (wraps within the working set), r1 = r6 + r5
  return [
    ['add', 1, 6, 5], ['ld64', 3, 1, 0, 0], ['add', 3, 3, 4], ['st64', 0, 1, 3, 8],
    ['addi', 5, 5, 0, stride], ['andi', 5, 5, 0, workingSet - 1],
  ];
}

function memSetup(workingSet: number) {
  return (b: Bare) => {
    b.mapRange(DATA, BigInt(workingSet) + 4096n, { write: true });
    b.setReg(6, DATA);
    b.setReg(4, 1n);
  };
}

function cases(): BenchCase[] {
  return [
    bench(
      '(a) ALU loop (iTLB hit per fetch)',
      [['add', 1, 1, 2], ['xor', 2, 2, 1], ['addi', 3, 3, 0, 7], ['shli', 4, 3, 0, 3], ['sub', 5, 4, 1], ['or', 6, 5, 2], ['sltu', 7, 6, 1], ['mul', 8, 7, 3]],
      20_000, () => {}, 30e6,
    ),
    bench('(b) loads+stores, 16-page working set (fits the dTLB)', memLoop(16 * 4096, 4096 + 64), 20_000, memSetup(16 * 4096), 15e6),
    bench('(c) loads+stores, 4096-page working set (misses the STLB)', memLoop(4096 * 4096, 4096 + 64), 20_000, memSetup(4096 * 4096)),
  ];
}

/**
 * The same cases timed by this process's CPU time (process.cpuUsage) instead of wall time: the
 * figure other processes competing for the host's cores do not drag down.
 */
function cpuTimeRates(): string[] {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return cases().map((c) => {
    for (let i = 0; i < 3; i++) c.fn();
    const t0 = process.cpuUsage();
    let n = 0;
    let us = 0;
    while (us < 1_500_000) {
      c.fn();
      n++;
      const d = process.cpuUsage(t0);
      us = d.user + d.system;
    }
    const rate = (n * (c.unitsPerOp ?? 1)) / (us / 1e6);
    const tgt = c.target ? ` (target ≥ ${fmt(c.target)}: ${rate >= c.target ? 'met' : 'NOT met'})` : '';
    return `${(c.name + ' [CPU time]').padEnd(52)} ${fmt(rate).padStart(14)} instr/s${tgt}`;
  });
}

export const suite: BenchSuite = {
  name: 'cpu: T64 core, fast path (instructions/s)',
  cases,
  extra: cpuTimeRates,
};
