// `pagewalk trace PROG [ARGS...]`: the event stream of a run.
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import type { Kernel } from '../../kernel/kernel.ts';
import type { Command } from '../command.ts';
import { styleFor, PLAIN } from '../format.ts';
import { runProgram } from '../runner/index.ts';
import { has, last, parseCommandArgs } from '../trace/args.ts';
import { CATEGORIES, parseOnly } from '../trace/categories.ts';
import { runWithInsnEvents } from '../trace/insns.ts';
import { makeTraceSink, parseRange, TRACE_FORMATS, type TraceFormat } from '../trace/sink.ts';

const HELP = `usage: pagewalk trace [options] PROG [ARGS...]

Runs PROG like 'pagewalk run' and prints what happened, event by event: translations (the
linear address, the access, which TLB level hit or missed, the page walk's steps and cycles),
page faults with the kernel's decision (demand-zero, zero-page, cow-copy, cow-reuse,
page-cache-hit, major, stack-growth, sigsegv-maperr, ...), TLB invalidations and why,
context switches, signals, fork/exec/exit, and system calls as strace prints them.

options:
  --only LIST          categories to show, comma-separated (default: all but insns):
                         ${Object.keys(CATEGORIES).join(', ')}
                       (insns: every retired instruction, disassembled; the run is stepped)
  --cycles FROM:TO     only events with FROM <= cycle < TO (FROM: and :TO work too)
  --insns FROM:TO      only events while the retired-instruction count is in [FROM, TO)
  --format text|json|chrome
                       text (default): one line per event; json: one JSON object per line;
                       chrome: the Trace Event Format for Perfetto / chrome://tracing
                       (one track per CPU, per process and for the page walker)
  -o, --output FILE    write the trace to FILE instead of standard output
  and every option of 'pagewalk run' (--mem, --aslr, --seed, --max-cycles, --file, --cwd)

The program's own output goes to standard output with a text trace, and to standard error
when a json or chrome trace is written to standard output.

examples:
  pagewalk trace --only faults userland/examples/01-first-touch.s
  pagewalk trace --only syscalls,faults --aslr 0 userland/examples/03-fork-cow.s
  pagewalk trace --only walks --cycles 0:5000 prog.s
  pagewalk trace --format chrome -o trace.json prog.s     # open trace.json in ui.perfetto.dev
`;

export const command: Command = {
  name: 'trace',
  summary: 'run a program and print its events: walks, TLB, faults, syscalls (text, json, chrome)',
  help: HELP,
  run(argv, io) {
    const p = parseCommandArgs('trace', argv, { '--only': true, '--cycles': true, '--insns': true, '--format': true, '--output': true }, { '-o': '--output' });
    const format = (last(p, '--format') ?? 'text') as TraceFormat;
    if (!TRACE_FORMATS.includes(format)) throw new PagewalkError(`trace: --format: '${format}' is not one of ${TRACE_FORMATS.join(', ')}`, 2);
    const kinds = parseOnly(last(p, '--only'));
    const cycles = has(p, '--cycles') ? parseRange('--cycles', last(p, '--cycles')!) : undefined;
    const insns = has(p, '--insns') ? parseRange('--insns', last(p, '--insns')!) : undefined;
    const outPath = last(p, '--output');
    let fd = -1;
    if (outPath !== undefined) {
      try {
        fd = openSync(resolve(io.cwd, outPath), 'w');
      } catch (e) {
        throw new PagewalkError(`trace: -o ${outPath}: cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    // Collect small writes into larger ones.
    let pending = '';
    const flush = () => {
      if (pending === '') return;
      if (fd >= 0) writeSync(fd, pending);
      else io.stdout(pending);
      pending = '';
    };
    const write = (s: string) => {
      pending += s;
      if (pending.length > 1 << 16) flush();
    };
    let kernel: Kernel | null = null;
    const sink = makeTraceSink(write, {
      format, kinds, cycles, insns, style: fd < 0 && format === 'text' ? styleFor(io) : PLAIN,
      instructions: () => kernel?.cpu.counters.instructions ?? 0,
    });
    const wantsMmu = kinds.has('translate') || kinds.has('walk-step') || kinds.has('tlb-invalidate');
    const programToStderr = fd < 0 && format !== 'text';
    const r = (() => {
      try {
        return runProgram({
          ...p.run,
          stdout: (b) => {
            if (programToStderr) io.stderr(b);
            else {
              flush();
              io.stdout(b);
            }
          },
          stderr: (b) => {
            flush();
            io.stderr(b);
          },
          stdin: io.readStdin(),
          tracer: sink,
          onStart: (k) => {
            kernel = k;
            if (!wantsMmu) k.mmu.tracer = null;
            if (kinds.has('insn')) runWithInsnEvents(k, sink, p.run.maxCycles);
          },
        });
      } finally {
        sink.finish();
        flush();
        if (fd >= 0) closeSync(fd);
      }
    })();
    if (r.reason === 'max-cycles') io.stderr(`pagewalk: stopped at the --max-cycles limit (${r.kernel.clock.now.toLocaleString('en-US')} cycles)\n`);
    if (r.killMessage !== null) io.stderr(`pagewalk: ${r.killMessage}\n`);
    if (r.reason === 'max-cycles') return 124;
    return r.exitCode < 0 ? 1 : r.exitCode;
  },
};
