// Reads a T64 executable: the ELF parser of kernel/uapi/elf.ts (shared with the kernel's
// binfmt_elf loader) plus the T64 checks, and the loadable image as segments with bytes.
import { checkT64Executable, parseElf, pflagsString, type ElfFile } from '../../kernel/uapi/elf.ts';

export interface LoadSegment {
  vaddr: number;
  memsz: number;
  /** p_flags (PF_R | PF_W | PF_X) and as "r-x". */
  flags: number;
  perms: string;
  /** The p_filesz bytes from the file; the rest up to memsz is zero (bss). */
  data: Uint8Array;
}

export interface T64Executable {
  elf: ElfFile;
  entry: number;
  segments: LoadSegment[];
}

/** Parses and validates a T64 executable; throws ElfError (a PagewalkError) naming the file and field. */
export function readExecutable(bytes: Uint8Array, fileName = 'ELF file'): T64Executable {
  const elf = parseElf(bytes, fileName);
  checkT64Executable(elf, fileName);
  const segments = elf.loads.map((p) => ({
    vaddr: p.vaddr, memsz: p.memsz, flags: p.flags, perms: pflagsString(p.flags),
    data: bytes.slice(p.offset, p.offset + p.filesz),
  }));
  return { elf, entry: elf.header.entry, segments };
}
