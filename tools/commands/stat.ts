// `pagewalk stat PROG`: the --stats report alone (cycles, instructions, faults, TLB, walks ...).
import type { Command } from '../command.ts';
import { toJson } from '../format.ts';
import { runProgram } from '../runner/index.ts';
import { formatStats } from '../runner/stats.ts';
import { has, parseCommandArgs } from '../trace/args.ts';

const HELP = `usage: pagewalk stat [options] PROG [ARGS...]

Runs PROG with its standard output discarded and prints what the machine and the kernel
counted, as perf stat does: cycles, instructions, IPC, page faults (minor, major), iTLB,
dTLB and STLB accesses and misses, page walks, COW copies, context switches, system calls.

options:
  --json               the same figures as one JSON object (plus how the program ended)
  and every option of 'pagewalk run' (--mem, --aslr, --seed, --max-cycles, --file, --cwd)

examples:
  pagewalk stat userland/examples/09-tlb-reach.s
  pagewalk stat --json --aslr 0 prog.s
`;

export const command: Command = {
  name: 'stat',
  summary: 'run a program and print only its counters (perf-stat-like; --json)',
  help: HELP,
  run(argv, io) {
    const p = parseCommandArgs('stat', argv, { '--json': false });
    const r = runProgram({ ...p.run, stdout: () => {}, stderr: (b) => io.stderr(b), stdin: io.readStdin() });
    const title = [p.run.program, ...(p.run.args ?? [])].join(' ');
    if (has(p, '--json')) {
      io.stdout(toJson({ program: title, reason: r.reason, exitCode: r.exitCode, signal: r.signal, killed: r.killMessage, ...r.stats }, 2) + '\n');
    } else {
      if (r.killMessage !== null) io.stderr(`pagewalk: ${r.killMessage}\n`);
      io.stdout(formatStats(r.stats, title));
    }
    return 0;
  },
};
