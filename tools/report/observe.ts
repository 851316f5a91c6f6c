// Runs a program through the runner (tools/runner) while watching it: address-space
// snapshots at exit (or at a cycle), page faults counted by the kernel's decision, and any
// extra trace sink. `maps`, `stat`, `run --report` and the lab tests use it.
import { PagewalkError } from '../../hw/errors.ts';
import type { TraceSink } from '../../hw/trace.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import { num } from '../format.ts';
import { runProgram, type RunOptions, type RunResult } from '../runner/index.ts';
import { teeSinks } from '../trace/tee.ts';
import { hookExits, snapshotTask, type Snapshot } from './snapshot.ts';

export interface ObserveOptions {
  run: RunOptions;
  /** Snapshot at this cycle instead of at exit. */
  atCycle?: number;
  /** Whose address space (default: the first process). */
  pid?: number;
  /** Also pass the MMU's translate/walk-step events to `tracer` (slow: one per access). */
  traceMmu?: boolean;
  tracer?: TraceSink | null;
  /** Count page faults by decision (needs kernel trace events; cheap). */
  countFaults?: boolean;
  /** Take snapshots at all (default true). */
  snapshots?: boolean;
}

export interface Observation {
  result: RunResult;
  /** The last snapshot of each process, by pid. */
  snapshots: Map<number, Snapshot>;
  /** The snapshot asked for (the chosen pid at exit or at the cycle), or null. */
  snapshot: Snapshot | null;
  faultsByDecision: Record<string, number>;
  kernel: Kernel;
}

export function observe(o: ObserveOptions): Observation {
  const snapshots = new Map<number, Snapshot>();
  const faults: Record<string, number> = {};
  let kernel: Kernel | null = null;
  let exitSink: TraceSink | null = null;
  const wantSnapshots = o.snapshots !== false;
  const counter: TraceSink | null = o.countFaults
    ? { event: (e) => { if (e.kind === 'page-fault') faults[e.decision] = (faults[e.decision] ?? 0) + 1; } }
    : null;
  // The exit hook needs the kernel, which exists only from onStart on: route through a late-bound sink.
  const late: TraceSink = { event: (e) => exitSink?.event(e) };
  const tracer = teeSinks(o.tracer, counter, wantSnapshots ? late : null);
  const userStart = o.run.onStart;
  const run: RunOptions = {
    ...o.run,
    tracer,
    maxCycles: o.atCycle !== undefined ? o.atCycle : o.run.maxCycles,
    onStart: (k) => {
      kernel = k;
      if (!o.traceMmu) k.mmu.tracer = null;
      if (wantSnapshots)
        exitSink = hookExits(k, (t, why) => {
          const s = snapshotTask(k, t, why);
          if (s) snapshots.set(s.pid, s);
        });
      userStart?.(k);
    },
  };
  const result = runProgram(run);
  const k = result.kernel;
  kernel ??= k;
  const pid = o.pid ?? k.init?.tgid ?? 1;
  let snapshot: Snapshot | null = null;
  if (wantSnapshots) {
    if (o.atCycle !== undefined) {
      const t = k.tasks.get(pid);
      if (t && t.mm !== null) snapshot = snapshotTask(k, t, `stopped at --at-cycle ${num(o.atCycle)}`);
      else if (snapshots.has(pid)) {
        const s = snapshots.get(pid)!;
        snapshot = { ...s, when: `${s.when}, before cycle ${num(o.atCycle)}` };
      }
    } else snapshot = snapshots.get(pid) ?? null;
    if (snapshot === null && o.pid !== undefined) throw new PagewalkError(`no process with pid ${o.pid} ran (pids seen: ${[...snapshots.keys()].join(', ') || 'none'})`);
  }
  return { result, snapshots, snapshot, faultsByDecision: faults, kernel: k };
}
