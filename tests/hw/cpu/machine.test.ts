// hw/machine.ts: one options object builds PhysMem + Clock + Mmu + Cpu sharing one clock.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../../hw/machine.ts';
import { PagewalkError } from '../../../hw/errors.ts';
import { Bare, PAGE } from '../../harness/bare.ts';
import { EXIT_SYSCALL } from '../../../hw/cpu/cpu.ts';

describe('Machine', () => {
  it('wires one clock through the MMU and the core, with the requested MAXPHYADDR and MMU config', () => {
    const m = new Machine({ maxPhyAddr: 40, memoryBytes: 64 * 1024 * 1024, mmu: { latency: { l1Tlb: 2 } } });
    expect(m.phys.maxPhyAddr).toBe(40);
    expect(m.memoryBytes).toBe(64 * 1024 * 1024);
    expect(m.mmu.clock).toBe(m.clock);
    expect(m.cpu.clock).toBe(m.clock);
    expect(m.mmu.phys).toBe(m.phys);
    expect(m.mmu.config.latency.l1Tlb).toBe(2);
  });

  it('rejects bad options with a one-line PagewalkError naming the field', () => {
    const bad: [object, RegExp][] = [
      [{ maxPhyAddr: 60 }, /machine options: maxPhyAddr: /],
      [{ memoryBytes: 1000 }, /machine options: memoryBytes: /],
      [{ cpu: { dataLatency: -1 } }, /machine options: cpu\.dataLatency: /],
      [{ colour: 'red' }, /machine options: /],
      [{ mmu: { latency: { l1Tlb: 0 } } }, /machine options: mmu\.latency\.l1Tlb: /],
      [{ maxPhyAddr: 32, memoryBytes: 2 ** 33 }, /memoryBytes: .* does not fit in 32 physical-address bits/],
    ];
    for (const [opts, re] of bad) {
      let err: unknown;
      try {
        new Machine(opts as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PagewalkError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('dataLatency adds its cycles to every data access (not to fetches)', () => {
    const cycles = (dataLatency: number) => {
      const b = new Bare({ machine: { cpu: { dataLatency } } });
      b.loadCode(0x400000n, [['li', 1, 0, 0, 0x600000], ['ld64', 2, 1, 0, 0], ['st64', 0, 1, 2, 8], ['push', 0, 2], ['pop', 3], ['syscall']]);
      b.mapRange(0x600000n, PAGE, { write: true });
      b.setupStack();
      expect(b.cpu.run(1e9)).toBe(EXIT_SYSCALL);
      return b.m.clock.now;
    };
    expect(cycles(7) - cycles(0)).toBe(4 * 7);
  });
});
