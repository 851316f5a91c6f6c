// What the stepper drives: a small interface over the machine and the kernel, and its
// implementation on a booted Kernel (tools/runner). Instruction steps and runs go through the
// kernel's own run loop (Kernel.run with a cycle budget); cycle steps use the core's
// cycle-stepped path and hand a system call or exception raised in that cycle to the kernel.
import { EXIT_EXCEPTION, EXIT_SYSCALL, type Cpu } from '../../hw/cpu/cpu.ts';
import type { PhysMem } from '../../hw/mem/phys-mem.ts';
import type { Mmu } from '../../hw/mmu/mmu.ts';
import type { TraceEvent } from '../../hw/trace.ts';
import { procText } from '../../kernel/fs/procfs.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import type { Task } from '../../kernel/task.ts';
import { pml4Of } from '../report/snapshot.ts';
import { collectStats, type RunStats } from '../runner/stats.ts';

export interface StepOutcome {
  /** Kernel trace events of the step (system calls, page faults, signals, processes, switches). */
  events: TraceEvent[];
  /** Set when a cycle step could not be taken inside an instruction (why an instruction step was taken instead). */
  note?: string;
}

export interface StepTarget {
  readonly cpu: Cpu;
  readonly mmu: Mmu;
  readonly phys: PhysMem;
  readonly cycle: number;
  readonly instructions: number;
  /** True once no process is left to run. */
  finished(): boolean;
  /** The --max-cycles limit: no step or run goes past it. */
  readonly limit: number;
  /** The process whose registers the CPU holds (or will run next), or null. */
  currentPid(): number | null;
  /** Physical address of the current process's PML4 (for inspecting its memory). */
  root(): number;
  /**
   * The current process's registers: the CPU's while an instruction is in flight, else the
   * copy the kernel keeps in the task (which holds a system call's result, for example).
   */
  regs(): Pick<Cpu, 'regLo' | 'regHi' | 'pcLo' | 'pcHi'>;
  /** One instruction of the current process, with whatever kernel work it causes. */
  stepInstruction(): StepOutcome;
  /** One clock cycle (may stop inside an instruction). */
  stepCycle(): StepOutcome;
  /** Runs (fast) until the clock reaches `cycle` at an instruction boundary, or the end. */
  runTo(cycle: number): StepOutcome;
  /** /proc/<pid>/maps or smaps of the current process (or of `pid`); '' when it has no mm. */
  procFile(name: 'maps' | 'smaps', pid?: number): string;
  /** Whether the MMU's translate and walk-step events are collected too. */
  traceWalks(on: boolean): void;
  /** Every process: pid, state, name, pc. */
  processes(): { pid: number; state: string; comm: string; pc: bigint }[];
  symbol(name: string): bigint | undefined;
  /** Bytes of the program's image (as assembled) at a linear address, when known. */
  image(addr: bigint, n: number): Uint8Array | undefined;
  /** The nearest label at or below `addr` within 64 KiB: "loop+0x10". */
  label(addr: bigint): string | undefined;
  stats(): RunStats;
  /** Ends every process (SIGKILL), as a debugger does when it quits. */
  kill(): void;
}

interface KernelInternals {
  doSyscall(t: Task): void;
  doException(t: Task): void;
}

export class KernelTarget implements StepTarget {
  private buf: TraceEvent[] = [];
  private readonly labels: [bigint, string][];

  /**
   * `labels`: the program's code and data labels (for "<loop+0x8>"); `symbols`: every name an
   * address expression may use (labels and .equ values; defaults to the labels).
   */
  constructor(
    readonly k: Kernel,
    labels: Map<string, bigint> = new Map(),
    private readonly symbols: Map<string, bigint> = labels,
    private readonly sections: { addr: number; bytes: Uint8Array }[] = [],
    readonly limit: number = Number.MAX_SAFE_INTEGER,
  ) {
    k.tracer = { event: (e) => void this.buf.push(e) };
    k.mmu.tracer = null;
    this.labels = [...labels.entries()].map(([n, v]) => [v, n] as [bigint, string]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  get cpu(): Cpu {
    return this.k.cpu;
  }
  get mmu(): Mmu {
    return this.k.mmu;
  }
  get phys(): PhysMem {
    return this.k.phys;
  }
  get cycle(): number {
    return this.k.clock.now;
  }
  get instructions(): number {
    return this.k.cpu.counters.instructions;
  }

  finished(): boolean {
    for (const t of this.k.tasks.values()) if (t.alive) return false;
    return true;
  }

  private task(): Task | null {
    const k = this.k;
    if (k.current !== null && k.current.alive) return k.current;
    for (const t of k.runQueue) if (t.state === 'runnable') return t;
    for (const t of k.tasks.values()) if (t.alive) return t;
    return k.init;
  }

  currentPid(): number | null {
    return this.task()?.tgid ?? null;
  }

  root(): number {
    const t = this.task();
    return (t && pml4Of(t)) ?? this.k.mmu.rootTable;
  }

  regs(): Pick<Cpu, 'regLo' | 'regHi' | 'pcLo' | 'pcHi'> {
    const t = this.task();
    if (!this.k.cpu.atBoundary || t === null) return this.k.cpu;
    return t;
  }

  private drain(): TraceEvent[] {
    const e = this.buf;
    this.buf = [];
    return e;
  }

  stepInstruction(): StepOutcome {
    if (this.finished() || this.k.clock.now >= this.limit) return { events: [] };
    this.k.run(this.k.clock.now + 1);
    return { events: this.drain() };
  }

  stepCycle(): StepOutcome {
    const k = this.k, cpu = k.cpu;
    const t = k.current;
    if (k.clock.now >= this.limit) return { events: [] };
    const ready =
      t !== null && t.state === 'runnable' && k.runQueue[0] === t && t.pending.length === 0 && !t.restartSyscall &&
      t.mm !== null && k.clock.now < t.sliceEnd;
    if (!ready) {
      const o = this.stepInstruction();
      return { ...o, note: 'the kernel had work to do first (a switch, a signal, a restarted call): stepped one whole instruction' };
    }
    if (cpu.atBoundary) {
      // The kernel keeps a task's registers in the task (a system call's result lands there).
      cpu.regLo.set(t.regLo);
      cpu.regHi.set(t.regHi);
      cpu.pcLo = t.pcLo;
      cpu.pcHi = t.pcHi;
    }
    k.mmu.regs.cpl = 3;
    const r = cpu.stepCycle();
    k.mmu.regs.cpl = 0;
    t.regLo.set(cpu.regLo);
    t.regHi.set(cpu.regHi);
    t.pcLo = cpu.pcLo;
    t.pcHi = cpu.pcHi;
    const ki = k as unknown as KernelInternals;
    if (r === EXIT_SYSCALL) ki.doSyscall(t);
    else if (r === EXIT_EXCEPTION) ki.doException(t);
    return { events: this.drain() };
  }

  runTo(cycle: number): StepOutcome {
    const until = Math.min(cycle, this.limit);
    if (!this.finished() && this.k.clock.now < until) this.k.run(until);
    return { events: this.drain() };
  }

  procFile(name: 'maps' | 'smaps', pid?: number): string {
    const t = pid === undefined ? this.task() : (this.k.tasks.get(pid) ?? null);
    return t && t.mm !== null ? procText(this.k, t, name) : '';
  }

  traceWalks(on: boolean): void {
    this.k.mmu.tracer = on ? this.k.tracer : null;
  }

  processes(): { pid: number; state: string; comm: string; pc: bigint }[] {
    return [...this.k.tasks.values()]
      .sort((a, b) => a.pid - b.pid)
      .map((t) => ({
        pid: t.pid, state: this.k.current === t ? 'running' : t.state, comm: t.comm,
        pc: (BigInt(t.pcHi) << 32n) | BigInt(t.pcLo),
      }));
  }

  symbol(name: string): bigint | undefined {
    return this.symbols.get(name);
  }

  image(addr: bigint, n: number): Uint8Array | undefined {
    for (const s of this.sections) {
      const off = Number(addr - BigInt(s.addr));
      if (off >= 0 && off + n <= s.bytes.length) return s.bytes.subarray(off, off + n);
    }
    return undefined;
  }

  label(addr: bigint): string | undefined {
    let best: [bigint, string] | undefined;
    for (const l of this.labels) {
      if (l[0] > addr) break;
      best = l;
    }
    if (!best || addr - best[0] >= 0x10000n) return undefined;
    return addr === best[0] ? best[1] : `${best[1]}+0x${(addr - best[0]).toString(16)}`;
  }

  stats(): RunStats {
    return collectStats(this.k);
  }

  kill(): void {
    for (const t of [...this.k.tasks.values()]) if (t.alive && t.isLeader) this.k.doGroupExit(t, 9 /* SIGKILL */);
    this.drain();
  }
}
