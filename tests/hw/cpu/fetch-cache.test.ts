// The core's fetch-page cache (a micro-iTLB in front of mmu.translate) must be invisible: with it
// on or off, every cycle count, TLB statistic, LRU decision and fault is the same.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bare, PAGE, encode, type Insn } from '../../harness/bare.ts';
import { machine, programArb, regsArb, runFast } from '../../harness/random-program.ts';

const CODE = 0x400000n;
import { EXIT_SYSCALL, VEC_PF } from '../../../hw/cpu/cpu.ts';
import { CR4_PAE, CR4_SMEP, PFEC_I, PFEC_P } from '../../../hw/mmu/regs.ts';
import type { TraceEvent } from '../../../hw/trace.ts';

function state(b: Bare) {
  const m = b.mmu;
  return {
    clock: b.m.clock.now, pc: b.pc, regs: Array.from({ length: 16 }, (_, r) => b.reg(r)),
    counters: JSON.stringify(b.cpu.counters), stats: JSON.stringify(m.stats),
    last: [m.result, m.faultVector, m.faultErrorCode, m.pa2, m.split, m.found, m.lastCycles],
  };
}

/** Runs `scenario` on two identical machines, fetch cache on and off, and compares after each step. */
function twin(build: () => Bare, scenario: (b: Bare, log: unknown[]) => void): unknown[] {
  const logs: unknown[][] = [];
  for (const cache of [true, false]) {
    const b = build();
    b.cpu.fetchCache = cache;
    const log: unknown[] = [];
    scenario(b, log);
    log.push(state(b));
    logs.push(log);
  }
  expect(logs[0]).toEqual(logs[1]);
  return logs[0];
}

const loopProgram: (Insn | string)[] = [
  ['li', 1, 0, 0, 200], 'top', ['addi', 2, 2, 0, 3], ['addi', 1, 1, 0, -1], ['bnez', 0, 1, 0, 'top'], ['syscall'],
];

function loopMachine(): Bare {
  const b = new Bare();
  b.loadCode(CODE, loopProgram);
  b.setupStack();
  return b;
}

describe('fetch-page cache is invisible', () => {
  it('random programs give identical snapshots with the cache on and off', () => {
    fc.assert(
      fc.property(programArb, regsArb, fc.integer({ min: 1, max: 300 }), (prog, regs, slice) => {
        expect(runFast(machine(prog, regs, true), slice)).toEqual(runFast(machine(prog, regs, false), slice));
      }),
      { numRuns: 150 },
    );
  });

  it('remapping the code page: with invlpg the new frame runs; without it the stale iTLB entry is still used', () => {
    for (const flush of [true, false]) {
      const log = twin(loopMachine, (b, log) => {
        log.push(b.cpu.run(1e9), b.reg(2));
        const frame = b.allocFrame();
        b.phys.writeBytes(frame, encode([['li', 2, 0, 0, 77], ['syscall']]));
        if (flush) b.map(CODE, { exec: true }, frame); // PTE write + invlpg
        else writePteNoFlush(b, CODE, frame); // PTE write only: the iTLB keeps the old translation
        b.setPc(CODE);
        log.push(b.cpu.run(1e9), b.reg(2));
      });
      expect(log.slice(0, 4)).toEqual([EXIT_SYSCALL, 600n, EXIT_SYSCALL, flush ? 77n : 1200n]);
    }
  });

  it('changing CPL and SMEP between runs: the cached entry is rechecked (supervisor fetch from a user page faults)', () => {
    const log = twin(loopMachine, (b, log) => {
      log.push(b.cpu.run(1e9));
      b.mmu.regs.cpl = 0;
      b.mmu.movToCr4(CR4_PAE | CR4_SMEP);
      b.setPc(CODE);
      log.push(b.cpu.run(1e9), b.cpu.exc.vector, b.cpu.exc.errorCode);
    });
    expect(log.slice(1, 4)).toEqual([1, VEC_PF, PFEC_P | PFEC_I]);
  });

  it('a tracer sees one translate event per fetch, cache or not', () => {
    twin(loopMachine, (b, log) => {
      log.push(b.cpu.run(1e9));
      const events: TraceEvent[] = [];
      b.mmu.tracer = { event: (e) => void events.push(e) };
      b.setPc(CODE);
      log.push(b.cpu.run(1e9));
      b.mmu.tracer = null;
      const fetches = events.filter((e) => e.kind === 'translate' && e.access === 'fetch').length;
      log.push(fetches);
      expect(fetches).toBe(1 + 200 * 3 + 1);
    });
  });

  it('flushAll and resetStats between runs', () => {
    twin(loopMachine, (b, log) => {
      log.push(b.cpu.run(1e9), state(b));
      b.mmu.flushAll();
      b.setPc(CODE);
      log.push(b.cpu.run(1e9), state(b));
      b.mmu.resetStats();
      b.setPc(CODE);
      log.push(b.cpu.run(1e9), state(b));
      expect(log[0]).toBe(EXIT_SYSCALL);
    });
  });
});

/** Point the PTE of va at `frame` with a plain memory write: no invalidation (the TLB keeps the old entry). */
function writePteNoFlush(b: Bare, va: bigint, frame: number): void {
  // Walk the harness's tables to the PTE (4-level, 4 KiB).
  let table = b.pml4;
  for (let level = 4; level >= 1; level--) {
    const ea = table + Number((va >> BigInt(12 + 9 * (level - 1))) & 511n) * 8;
    const lo = b.phys.read32(ea), hi = b.phys.read32(ea + 4);
    if (level === 1) {
      b.phys.write64(ea, ((frame & 0xfffff000) | (lo & 0xfff)) >>> 0, hi);
      return;
    }
    table = (hi & 0xfffff) * 0x100000000 + (lo & 0xfffff000);
  }
}
