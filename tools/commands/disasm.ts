// `pagewalk disasm`: prints a T64 executable (or a raw image) as assembly that reassembles
// to the same bytes (docs/toolchain.md).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PagewalkError } from '../../hw/errors.ts';
import { ELFMAG } from '../../kernel/uapi/elf.ts';
import { disassembleElf, disassembleRaw } from '../../userland/disasm/index.ts';
import type { Command } from '../command.ts';

const help = `usage: pagewalk disasm <file> [--raw [--base <addr>]] [--no-addr]

Prints a T64 ELF executable as assembly: every section, with the labels of its
symbol table, each instruction with its address and bytes as a comment. The
output reassembles ('pagewalk asm') to the same bytes; a word that has no
assembly spelling (unknown opcode, non-zero reserved or unused bits) is
printed as '.quad 0x...'.

options:
  --raw            the file is a raw image of instruction words, not an ELF file
  --base <addr>    load address of a raw image (default 0x400000)
  --no-addr        leave out the '# address: bytes' comments
  -                as <file>: read standard input

examples:
  pagewalk asm prog.s -o prog && pagewalk disasm prog
  pagewalk disasm prog --no-addr > prog2.s && pagewalk asm prog2.s -o prog2
  pagewalk disasm --raw --base 0x400000 code.bin
`;

function parseAddr(s: string | undefined, opt: string): number {
  const v = s !== undefined && /^(0x[0-9a-f]+|[0-9]+)$/i.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(v)) throw new PagewalkError(`disasm: ${opt}: expected an address, got '${s ?? ''}'`, 2);
  return v;
}

export const command: Command = {
  name: 'disasm',
  summary: 'print a T64 executable as assembly (reassembles to the same bytes)',
  help,
  run(argv, io) {
    let input: string | undefined;
    let raw = false;
    let base: number | undefined;
    let addresses = true;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--raw') raw = true;
      else if (a === '--base') base = parseAddr(argv[++i], a);
      else if (a === '--no-addr') addresses = false;
      else if (a.startsWith('-') && a !== '-') throw new PagewalkError(`disasm: unknown option '${a}' (try 'pagewalk disasm --help')`, 2);
      else if (input === undefined) input = a;
      else throw new PagewalkError(`disasm: more than one input file ('${input}', '${a}')`, 2);
    }
    if (input === undefined) throw new PagewalkError("disasm: no input file (try 'pagewalk disasm --help')", 2);
    if (base !== undefined && !raw) throw new PagewalkError('disasm: --base applies to --raw images only', 2);
    if (base !== undefined && base % 8 !== 0) throw new PagewalkError(`disasm: --base ${base.toString(16)} is not 8-byte aligned`, 2);
    let bytes: Uint8Array;
    if (input === '-') bytes = io.readStdin();
    else {
      try {
        bytes = new Uint8Array(readFileSync(resolve(io.cwd, input)));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new PagewalkError(`disasm: cannot read '${input}': ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`);
      }
    }
    const name = input === '-' ? '<stdin>' : input;
    if (!raw && !ELFMAG.every((m, i) => bytes[i] === m))
      throw new PagewalkError(`disasm: ${name}: not an ELF file (bad magic); use --raw for a raw image`);
    io.stdout(raw ? disassembleRaw(bytes, base ?? 0x400000, { addresses }) : disassembleElf(bytes, name, { addresses }));
    return 0;
  },
};
