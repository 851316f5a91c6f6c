// Library API of the T64 disassembler (docs/toolchain.md).
export { disassembleElf, disassembleRaw, type DisasmOptions } from './disassemble.ts';
export { formatInsn, fmtImm, regName } from './format.ts';
import { ELFMAG } from '../../kernel/uapi/elf.ts';
import { disassembleElf, disassembleRaw, type DisasmOptions } from './disassemble.ts';

/** An ELF file (by its magic) or else a raw image at `base`. */
export function disassemble(bytes: Uint8Array, fileName = 'input', options: DisasmOptions & { base?: number } = {}): string {
  const isElf = bytes.length >= 4 && ELFMAG.every((m, i) => bytes[i] === m);
  return isElf ? disassembleElf(bytes, fileName, options) : disassembleRaw(bytes, options.base ?? 0x400000, options);
}
