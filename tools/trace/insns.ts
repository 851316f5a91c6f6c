// `trace --only insns`: one event per retired instruction. The core emits no per-instruction
// events (its fast path must not pay for them), so the run is driven here one instruction at
// a time through the kernel's own run loop (as the stepper does), and an 'insn' event is
// emitted for each instruction that retired, with its disassembly.
import type { TraceSink } from '../../hw/trace.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import { pml4Of } from '../report/snapshot.ts';
import { insnAt } from '../stepper/inspect.ts';

export function runWithInsnEvents(k: Kernel, sink: TraceSink, limit = Number.MAX_SAFE_INTEGER): void {
  const cpu = k.cpu;
  for (;;) {
    let alive = false;
    for (const t of k.tasks.values()) if (t.alive) alive = true;
    if (!alive || k.clock.now >= limit) return;
    const t = k.current?.alive ? k.current : k.runQueue.find((x) => x.state === 'runnable') ?? null;
    const before = cpu.counters.instructions;
    const cycle = k.clock.now;
    // Where the instruction is: the task's saved pc (the kernel loads it into the core).
    const pcLo = t ? t.pcLo : cpu.pcLo, pcHi = t ? t.pcHi : cpu.pcHi;
    const pc = (BigInt(pcHi) << 32n) | BigInt(pcLo);
    const root = t ? pml4Of(t) : undefined;
    const text = root === undefined ? '' : insnAt(k.phys, root, pc);
    k.run(Math.min(k.clock.now + 1, limit));
    if (cpu.counters.instructions > before && t !== null)
      sink.event({ kind: 'insn', cycle, cpu: 0, pid: t.tgid, pc, text });
  }
}
