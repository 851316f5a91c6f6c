// Snapshots of a process's address space taken from a running Kernel: the maps and smaps
// text the kernel prints in /proc, and the page-table tree under the process's PML4.
// Also the hook that takes one just before a process exits (its mm is torn down then).
import { EXIT_SYSCALL } from '../../hw/cpu/cpu.ts';
import type { TraceEvent, TraceSink } from '../../hw/trace.ts';
import { procText } from '../../kernel/fs/procfs.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import type { Task } from '../../kernel/task.ts';
import { SYSCALLS } from '../../kernel/uapi/constants.ts';
import { num } from '../format.ts';
import { buildModel, type AddressSpaceModel } from './model.ts';

/** Physical address of a task's PML4 (mm->pgd is its frame number), or undefined. */
export function pml4Of(t: Task): number | undefined {
  const mm = t.mm as { pgd?: unknown } | null;
  return mm !== null && typeof mm.pgd === 'number' ? mm.pgd * 4096 : undefined;
}

export interface Snapshot {
  pid: number;
  comm: string;
  cycle: number;
  /** Why it was taken: "exit", "killed by SIGSEGV", "cycle 1,000". */
  when: string;
  maps: string;
  smaps: string;
  model: AddressSpaceModel;
}

export function snapshotTask(k: Kernel, t: Task, when: string): Snapshot | null {
  if (t.mm === null) return null;
  const maps = procText(k, t, 'maps');
  const smaps = procText(k, t, 'smaps');
  const comm = t.comm || `pid ${t.tgid}`;
  const model = buildModel({
    title: `pid ${t.tgid} (${comm}) at cycle ${num(k.clock.now)}, ${when}`,
    pid: t.tgid, maps, smaps, phys: k.phys, pml4: pml4Of(t),
  });
  return { pid: t.tgid, comm, cycle: k.clock.now, when, maps, smaps, model };
}

/**
 * Calls `onExit(task, why)` just before a process's address space goes away: when it enters
 * exit_group (or exit in its last thread), and when a signal kills it. Wraps the CPU's run()
 * (one check per return to the kernel, none per instruction) and returns a trace sink that must
 * be attached to the kernel for the signal case.
 */
export function hookExits(k: Kernel, onExit: (t: Task, why: string) => void): TraceSink {
  const cpu = k.cpu;
  const run = cpu.run.bind(cpu);
  cpu.run = (until: number): number => {
    const r = run(until);
    if (r === EXIT_SYSCALL && cpu.regHi[0] === 0) {
      const nr = cpu.regLo[0];
      const t = k.current;
      if (t !== null && (nr === SYSCALLS.exit_group || (nr === SYSCALLS.exit && t.group.filter((x) => x.alive).length === 1)))
        onExit(t, `at ${nr === SYSCALLS.exit ? 'exit' : 'exit_group'}(${cpu.regLo[1] | 0})`);
    }
    return r;
  };
  return {
    event(e: TraceEvent) {
      if (e.kind === 'process' && e.what === 'killed') {
        const t = k.tasks.get(e.pid);
        if (t) onExit(t, `killed (${e.detail})`);
      }
    },
  };
}
