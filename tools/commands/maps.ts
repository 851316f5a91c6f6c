// `pagewalk maps PROG`: the address space of a program at its exit (or at a cycle), as
// /proc/<pid>/maps prints it, as JSON, or drawn as an SVG floor plan.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import type { Command } from '../command.ts';
import { toJson } from '../format.ts';
import { observe } from '../report/observe.ts';
import { renderSvg } from '../report/svg.ts';
import { has, intOption, last, parseCommandArgs } from '../trace/args.ts';

const HELP = `usage: pagewalk maps [options] PROG [ARGS...]

Runs PROG (its output is discarded) and prints the first process's /proc/<pid>/maps just
before it exits, or at a given cycle, exactly as the kernel prints it.

options:
  --at-exit            just before the process exits (the default)
  --at-cycle N         when the clock reaches cycle N (at an instruction boundary)
  --pid N              another process than the first (e.g. a forked child)
  --smaps              print /proc/<pid>/smaps instead
  --svg FILE           also draw the floor plan: the VMAs to scale on a log axis with their
                       permissions, backing and resident pages, and the page-table tree
  --json               the VMAs as JSON (start, end, perms, offset, path, present pages, Rss)
  and every option of 'pagewalk run' (--mem, --aslr, --seed, --max-cycles, --file, --cwd)

examples:
  pagewalk maps userland/examples/11-mlock-brk-proc.s
  pagewalk maps --at-cycle 20000 --svg plan.svg userland/examples/01-first-touch.s
  pagewalk maps --json --aslr 0 prog.s
`;

export const command: Command = {
  name: 'maps',
  summary: "a program's /proc/<pid>/maps at exit or at a cycle (also --json, --svg floor plan)",
  help: HELP,
  run(argv, io) {
    const p = parseCommandArgs('maps', argv, {
      '--at-exit': false, '--at-cycle': true, '--pid': true, '--smaps': false, '--svg': true, '--json': false,
    });
    if (has(p, '--at-exit') && has(p, '--at-cycle')) throw new PagewalkError('maps: --at-exit and --at-cycle exclude each other', 2);
    const atCycle = has(p, '--at-cycle') ? intOption('maps', '--at-cycle', last(p, '--at-cycle')!) : undefined;
    const pid = has(p, '--pid') ? intOption('maps', '--pid', last(p, '--pid')!) : undefined;
    const obs = observe({
      run: { ...p.run, stdout: () => {}, stderr: (b) => io.stderr(b), stdin: io.readStdin() },
      atCycle, pid,
    });
    const s = obs.snapshot;
    if (s === null) throw new PagewalkError('maps: the process left no address space to show (it never ran)');
    const svg = last(p, '--svg');
    if (svg !== undefined) {
      try {
        writeFileSync(resolve(io.cwd, svg), renderSvg(s.model));
      } catch (e) {
        throw new PagewalkError(`maps: --svg ${svg}: cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    if (has(p, '--json')) {
      const vmas = s.model.vmas.map((v) => ({
        start: v.start, end: v.end, perms: v.perms, offset: v.offset, path: v.path, presentPages: v.presentPages,
        rssKb: v.rssKb ?? null, anonKb: v.anonKb ?? null, lockedKb: v.lockedKb ?? null,
      }));
      io.stdout(toJson({ pid: s.pid, comm: s.comm, cycle: s.cycle, when: s.when, vmas }, 2) + '\n');
    } else {
      io.stdout(has(p, '--smaps') ? s.smaps : s.maps);
    }
    return 0;
  },
};
