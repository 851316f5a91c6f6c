// Stepping cycle by cycle (stepCycle, through the MMU's begin/tick) and running fast (run,
// through translate) must give the same cycles and the same state: checked over random programs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Insn } from '../../harness/bare.ts';
import { machine, programArb, regsArb, runFast, runStepped } from '../../harness/random-program.ts';
import { EXIT_EXCEPTION } from '../../../hw/cpu/cpu.ts';

describe('cycle stepping and the fast path are equivalent', () => {
  it('random programs: same exits at the same cycles, same registers, memory, page tables, counters and TLB stats', () => {
    fc.assert(
      fc.property(programArb, regsArb, fc.integer({ min: 1, max: 300 }), fc.constantFrom(0, 0, 3), (prog, regs, slice, lat) => {
        const fast = runFast(machine(prog, regs, true, lat), slice);
        const stepped = runStepped(machine(prog, regs, true, lat), false);
        expect(stepped).toEqual(fast);
        const mixed = runStepped(machine(prog, regs, true, lat), true);
        expect(mixed).toEqual(fast);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('a straddling access that misses in both pages costs the same cycles stepped as fast', () => {
    const prog: Insn[] = [['ld64', 1, 8, 0, 4092], ['st64', 0, 8, 1, 8188], ['xadd', 2, 8, 1, 4095]];
    const fast = runFast(machine(prog, Array(8).fill(0n)), 1000);
    const stepped = runStepped(machine(prog, Array(8).fill(0n)), false);
    expect(stepped).toEqual(fast);
    expect(fast.log.at(-1)).toMatch(/^syscall/);
  });

  it('stage reports fetch, data, execute with the cycles left, then the boundary', () => {
    const b = machine([['ld64', 1, 8, 0, 0]], Array(8).fill(0n));
    const seen: string[] = [];
    do {
      b.cpu.stepCycle();
      const s = b.cpu.stage;
      seen.push(s.stage === 'execute' ? `execute:${s.cyclesLeft}:${s.opcode}` : s.stage);
    } while (!b.cpu.atBoundary);
    // Cold TLBs: the fetch and the load each walk; then the load's one execute cycle is still to come.
    expect(seen[0]).toBe('fetch');
    expect(seen).toContain('data');
    expect(seen.at(-1)).toBe('boundary');
    expect(seen.indexOf('data')).toBeGreaterThan(seen.lastIndexOf('fetch'));
    expect(seen.filter((x) => x.startsWith('execute'))).toEqual([`execute:1:${0x33}`]);
    expect(seen.at(-2)).toBe(`execute:1:${0x33}`);
  });

  it('stepCycle advances the clock by exactly one cycle per call, except a misaligned pc (no fetch)', () => {
    const b = machine([['nop'], ['ld64', 1, 8, 0, 0], ['jmp', 0, 0, 0, 4]], Array(8).fill(0n));
    for (;;) {
      const c0 = b.m.clock.now;
      const r = b.cpu.stepCycle();
      if (r === EXIT_EXCEPTION) {
        expect(b.m.clock.now - c0).toBe(0);
        break;
      }
      expect(b.m.clock.now - c0).toBe(1);
    }
  });
});
