// `pagewalk step PROG`: a gdb-like stepper over the machine and the kernel, driven from the
// terminal or from a script on standard input (so labs can be checked).
import { readFileSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import { assemble } from '../../userland/asm/index.ts';
import type { Command, CommandIO } from '../command.ts';
import { styleFor } from '../format.ts';
import { runProgram } from '../runner/index.ts';
import { helpText } from '../stepper/commands.ts';
import { StepSession } from '../stepper/session.ts';
import { KernelTarget } from '../stepper/target.ts';
import { last, parseCommandArgs } from '../trace/args.ts';

const HELP = `usage: pagewalk step [options] PROG [ARGS...]

Loads PROG and stops before its first instruction; then reads commands, one per line, from
the terminal, from -x FILE, or from standard input (pagewalk step prog.s < cmds.txt). With a
script the commands are echoed after a '(pagewalk)' prompt so the transcript reads on its own.
Lines starting with '#' are comments. At the end of the commands the program is killed.

commands:
${helpText().join('\n')}

options:
  -x, --commands FILE  read the commands from FILE
  and every option of 'pagewalk run' (--mem, --aslr, --seed, --max-cycles, --file, --cwd)

examples:
  pagewalk step userland/examples/02-zero-page.s
  printf 'next-fault\\nregs\\npt r12\\n' | pagewalk step --aslr 0 userland/examples/02-zero-page.s
  pagewalk step -x userland/examples/02-zero-page.cmds userland/examples/02-zero-page.s
`;

/** Reads a line from the terminal (blocking), or null at end of input. */
function readTtyLine(): string | null {
  const buf = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n = 0;
    try {
      n = readSync(0, buf, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return line === '' ? null : line;
    }
    if (n === 0) return line === '' ? null : line;
    const c = buf.toString('latin1');
    if (c === '\n') return line;
    line += c;
  }
}

/** Symbols, labels and section images of a .s program (empty for an ELF or a bad source). */
function programInfo(program: string, cwd: string) {
  const info = { symbols: new Map<string, bigint>(), labels: new Map<string, bigint>(), sections: [] as { addr: number; bytes: Uint8Array }[] };
  if (!program.endsWith('.s')) return info;
  try {
    const r = assemble(readFileSync(resolve(cwd, program), 'utf8'), program);
    for (const [name, l] of r.labels) info.labels.set(name, BigInt(l.addr));
    for (const [name, v] of r.symbols) info.symbols.set(name, v);
    for (const [name, v] of info.labels) info.symbols.set(name, v);
    info.sections = r.sections.map((s) => ({ addr: s.addr, bytes: s.bytes }));
  } catch {
    // The runner reports assembly errors.
  }
  return info;
}

export const command: Command = {
  name: 'step',
  summary: 'step a program cycle by cycle or instruction by instruction, gdb-like (scriptable)',
  help: HELP,
  run(argv: string[], io: CommandIO) {
    const p = parseCommandArgs('step', argv, { '--commands': true }, { '-x': '--commands' });
    const file = last(p, '--commands');
    let script: string[] | null = null;
    if (file !== undefined) {
      try {
        script = readFileSync(resolve(io.cwd, file), 'utf8').split('\n');
      } catch (e) {
        throw new PagewalkError(`step: -x ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    } else if (!io.isTTY) {
      script = new TextDecoder().decode(io.readStdin()).split('\n');
    }
    const interactive = script === null;
    const style = styleFor(io);
    const info = programInfo(p.run.program, io.cwd);
    let errors = 0;
    runProgram({
      ...p.run,
      stdout: (b) => io.stdout(b),
      stderr: (b) => io.stderr(b),
      stdin: new Uint8Array(0), // standard input carries the commands
      onStart: (k) => {
        const target = new KernelTarget(k, info.labels, info.symbols, info.sections, p.run.maxCycles);
        const session = new StepSession(target, { out: (s) => io.stdout(s), style, echo: !interactive });
        io.stdout(`pagewalk step: ${p.run.program} is loaded as pid ${target.currentPid()}; 'help' lists the commands\n`);
        session.where();
        if (interactive) {
          for (;;) {
            io.stdout('(pagewalk) ');
            const l = readTtyLine();
            if (l === null) break;
            session.line(l);
            if (session.quit) break;
          }
        } else {
          const name = file ?? '<stdin>';
          for (const [i, l] of script!.entries()) {
            session.line(l, `${name}:${i + 1}`);
            if (session.quit) break;
          }
        }
        errors = session.errors;
        if (!target.finished()) {
          target.kill();
          io.stdout('=> the program was killed at the end of the commands\n');
        }
      },
    });
    return errors > 0 ? 1 : 0;
  },
};
