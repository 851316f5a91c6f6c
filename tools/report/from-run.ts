// `run --report out.html`: runs the program, snapshots its address space at exit and
// renders the HTML report with the counters and the faults by kernel decision.
import type { RunOptions } from '../runner/index.ts';
import { renderHtml } from './html.ts';
import type { AddressSpaceModel } from './model.ts';
import { observe, type Observation } from './observe.ts';

export interface ProgramReport {
  model: AddressSpaceModel;
  html: string;
  observation: Observation;
}

/** Counter names as `perf stat` (and --stats) print them. */
const PERF_NAMES: Record<string, string> = {
  cycles: 'cycles', instructions: 'instructions', ipc: 'insn per cycle', pageFaults: 'page-faults', minorFaults: 'minor-faults',
  majorFaults: 'major-faults', itlbAccesses: 'iTLB-loads', itlbMisses: 'iTLB-load-misses', dtlbAccesses: 'dTLB-loads',
  dtlbMisses: 'dTLB-load-misses', stlbAccesses: 'sTLB-loads', stlbMisses: 'sTLB-load-misses', pageWalks: 'page-walks',
  cowCopies: 'cow-copies', contextSwitches: 'context-switches', syscalls: 'syscalls',
};

/** The report of a finished run (the first process at its exit). */
export function reportHtml(obs: Observation, command: string): string {
  const s = obs.snapshot;
  const model: AddressSpaceModel = s?.model ?? { title: `${command}: no address space to show`, pid: 0, vmas: [], pageTables: null };
  const r = obs.result;
  const outcome = r.killMessage ?? (r.reason === 'exited' ? `exit status ${r.exitCode}` : `stopped: ${r.reason}`);
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.stats)) if (typeof v === 'number') counters[PERF_NAMES[k] ?? k] = v;
  return renderHtml(model, { command, outcome, counters, faultsByDecision: obs.faultsByDecision });
}

export function reportForProgram(run: RunOptions): ProgramReport {
  const observation = observe({ run, countFaults: true });
  const command = ['pagewalk run', run.program, ...(run.args ?? [])].join(' ');
  const html = reportHtml(observation, command);
  const model = observation.snapshot?.model ?? { title: '', pid: 0, vmas: [], pageTables: null };
  return { model, html, observation };
}
