// `pagewalk asm`: assembles a T64 program into an ELF executable (docs/toolchain.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import { AsmError, assemble, formatDiagnostic } from '../../userland/asm/index.ts';
import type { Command } from '../command.ts';

const help = `usage: pagewalk asm <file.s> [-o <output>] [--text-base <addr>] [--symbols]

Assembles a T64 program (docs/t64.md) into an ELF64 executable (ET_EXEC,
e_machine 0x5436) that 'pagewalk run' and the kernel's ELF loader take.
Errors are printed as file:line:col: message, every error of the file at
once; no output file is written then.

options:
  -o <output>          output file (default: the input name without .s,
                       or a.out); '-' writes the ELF to standard output
  --text-base <addr>   link address of .text (page-aligned, default 0x400000)
  --symbols            print the symbol table (address, section, name)
  -                    as <file.s>: read the program from standard input

examples:
  pagewalk asm prog.s -o prog
  pagewalk asm tests/fixtures/linux-mm/anon-first-touch.s -o /tmp/aft --symbols
  echo '_start: li r0, SYS_exit
  syscall' | pagewalk asm - -o exit0
`;

function parseNumber(s: string, opt: string): number {
  const v = /^(0x[0-9a-f]+|[0-9]+)$/i.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(v)) throw new PagewalkError(`asm: ${opt}: expected a number, got '${s}'`, 2);
  return v;
}

export const command: Command = {
  name: 'asm',
  summary: 'assemble a T64 program into an ELF executable',
  help,
  run(argv, io) {
    let input: string | undefined;
    let output: string | undefined;
    let textBase: number | undefined;
    let symbols = false;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '-o' || a === '--output') {
        if (argv[i + 1] === undefined) throw new PagewalkError(`asm: ${a} needs a file name`, 2);
        output = argv[++i];
      } else if (a === '--text-base') {
        if (argv[i + 1] === undefined) throw new PagewalkError('asm: --text-base needs an address', 2);
        textBase = parseNumber(argv[++i], a);
      } else if (a === '--symbols') {
        symbols = true;
      } else if (a.startsWith('-') && a !== '-') {
        throw new PagewalkError(`asm: unknown option '${a}' (try 'pagewalk asm --help')`, 2);
      } else if (input === undefined) {
        input = a;
      } else {
        throw new PagewalkError(`asm: more than one input file ('${input}', '${a}')`, 2);
      }
    }
    if (input === undefined) throw new PagewalkError("asm: no input file (try 'pagewalk asm --help')", 2);
    let source: string;
    let name = input;
    if (input === '-') {
      source = new TextDecoder().decode(io.readStdin());
      name = '<stdin>';
    } else {
      try {
        source = readFileSync(resolve(io.cwd, input), 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new PagewalkError(`asm: cannot read '${input}': ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`);
      }
    }
    const out = output ?? (input === '-' ? 'a.out' : basename(input).endsWith('.s') ? input.slice(0, -2) : 'a.out');
    let result;
    try {
      result = assemble(source, name, textBase === undefined ? {} : { textBase });
    } catch (e) {
      if (!(e instanceof AsmError)) throw e;
      for (const d of e.diagnostics) io.stderr(formatDiagnostic(d) + '\n');
      const n = e.diagnostics.length;
      io.stderr(`${n} error${n === 1 ? '' : 's'}; no output written\n`);
      return 1;
    }
    if (out === '-') io.stdout(result.elf);
    else {
      try {
        writeFileSync(resolve(io.cwd, out), result.elf, { mode: 0o755 });
      } catch (e) {
        throw new PagewalkError(`asm: cannot write '${out}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    if (symbols) {
      const lines = [...result.symbols].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map(([n, v]) => {
        const l = result.labels.get(n);
        const where = l ? `.${l.section}` : '*ABS*';
        return `${v.toString(16).padStart(16, '0')} ${where.padEnd(8)} ${result.globals.has(n) ? 'g' : 'l'} ${n}`;
      });
      (out === '-' ? io.stderr : io.stdout)(lines.join('\n') + (lines.length ? '\n' : ''));
    }
    return 0;
  },
};
