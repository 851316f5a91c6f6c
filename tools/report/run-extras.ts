// The two options this module adds to `pagewalk run`:
//   --explain-faults   each page fault on stderr with its full walk and the kernel's decision
//   --report FILE      an HTML report: the address-space floor plan at exit, VMAs, counters,
//                      page faults by kernel decision
// run.ts hooks them in with two lines (see docs/cli.md):
//   const { argv: rest, extras } = extractRunExtras(argv);      // then parse `rest` as before
//   const r = runWithExtras(options, extras, io);               // instead of runProgram(options)
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import type { CommandIO } from '../command.ts';
import { styleFor } from '../format.ts';
import { runProgram, type RunOptions, type RunResult } from '../runner/index.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import { pageTablePath } from '../stepper/inspect.ts';
import { walkStepText } from '../trace/text.ts';
import { FaultExplainer } from '../trace/explain-faults.ts';
import { hexPa } from '../format.ts';
import { pml4Of } from './snapshot.ts';
import { reportHtml } from './from-run.ts';
import { observe } from './observe.ts';

export interface RunExtras {
  explainFaults: boolean;
  report: string | null;
}

export const RUN_EXTRAS_HELP = `  --explain-faults    print each page fault on stderr with its page walk and the kernel's decision
  --report FILE       write an HTML report: the address-space floor plan at exit, the VMAs,
                      the counters and the page faults by kernel decision`;

/** Takes --explain-faults and --report FILE out of run's options (those before PROG). */
export function extractRunExtras(argv: string[]): { argv: string[]; extras: RunExtras } {
  const out: string[] = [];
  const extras: RunExtras = { explainFaults: false, report: null };
  const valueFlags = new Set(['--mem', '--aslr', '--seed', '--max-cycles', '--file', '--cwd']);
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || !a.startsWith('--')) break;
    if (a === '--explain-faults') {
      extras.explainFaults = true;
      continue;
    }
    if (a === '--report' || a.startsWith('--report=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new PagewalkError('run: --report: missing FILE', 2);
      extras.report = v;
      continue;
    }
    out.push(a);
    if (valueFlags.has(a) && i + 1 < argv.length) out.push(argv[++i]);
  }
  return { argv: [...out, ...argv.slice(i)], extras };
}

/** runProgram with the extras switched on (exactly runProgram when none is). */
export function runWithExtras(options: RunOptions, extras: RunExtras, io: CommandIO): RunResult {
  if (!extras.explainFaults && extras.report === null) return runProgram(options);
  let kernel: Kernel | null = null;
  // The leaf entry that maps the address once the kernel is done (read without side effects).
  const after = (pid: number, la: bigint): string[] => {
    const t = kernel?.tasks.get(pid);
    const root = t ? pml4Of(t) : undefined;
    if (!kernel || root === undefined) return [];
    const { steps, pa } = pageTablePath(kernel.phys, root, la);
    const leaf = steps[steps.length - 1];
    const text = walkStepText({ kind: 'walk-step', cycle: 0, cpu: 0, la, level: leaf.level, entryAddr: leaf.entryAddr, entry: leaf.entry, pscHit: false, note: '' });
    return [text + (pa === null ? ' (the address is still not mapped)' : ` => pa ${hexPa(pa)}`)];
  };
  const explainer = extras.explainFaults ? new FaultExplainer((s) => io.stderr(s), styleFor({ isTTY: io.isTTY, env: io.env }), after) : null;
  const userStart = options.onStart;
  const obs = observe({
    run: { ...options, onStart: (k) => { kernel = k; userStart?.(k); } },
    tracer: explainer,
    traceMmu: extras.explainFaults,
    countFaults: extras.report !== null,
    snapshots: extras.report !== null,
  });
  if (extras.report !== null) {
    const html = reportHtml(obs, ['pagewalk run', options.program, ...(options.args ?? [])].join(' '));
    try {
      writeFileSync(resolve(io.cwd, extras.report), html);
    } catch (e) {
      throw new PagewalkError(`run: --report ${extras.report}: cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return obs.result;
}
