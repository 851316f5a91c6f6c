// ELF64 as T64 executables use it (System V gABI, include/uapi/linux/elf.h): the one
// definition of the format. The assembler's writer (userland/elf/write.ts), the disassembler
// and the kernel's binfmt_elf loader all use these constants, layouts and this parser.
import { PagewalkError } from '../../hw/errors.ts';

// e_ident
export const ELFMAG = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
export const EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_OSABI = 7, EI_ABIVERSION = 8, EI_NIDENT = 16;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const ELFOSABI_NONE = 0;

// e_type, e_machine
export const ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
/** e_machine of T64 executables ("T6", docs/t64.md). */
export const EM_T64 = 0x5436;

// Program headers
export const PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6;
export const PT_GNU_STACK = 0x6474e551;
export const PF_X = 1, PF_W = 2, PF_R = 4;

// Section headers
export const SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_XINDEX = 0xffff;
export const SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8;
export const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4, SHF_STRINGS = 0x20;

// Symbols (st_info = bind << 4 | type)
export const STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;

/** Structure sizes (Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Sym). */
export const EHDR_SIZE = 64, PHDR_SIZE = 56, SHDR_SIZE = 64, SYM_SIZE = 24;

/** Page size the segments are aligned to (p_align) and binfmt_elf maps with. */
export const ELF_PAGE_SIZE = 0x1000;

/**
 * Field offsets of the structures, as in the gABI. Every reader and writer goes through
 * these tables, so the layout is written down once.
 */
export const EHDR = {
  e_ident: 0, e_type: 16, e_machine: 18, e_version: 20, e_entry: 24, e_phoff: 32, e_shoff: 40,
  e_flags: 48, e_ehsize: 52, e_phentsize: 54, e_phnum: 56, e_shentsize: 58, e_shnum: 60, e_shstrndx: 62,
} as const;
export const PHDR = {
  p_type: 0, p_flags: 4, p_offset: 8, p_vaddr: 16, p_paddr: 24, p_filesz: 32, p_memsz: 40, p_align: 48,
} as const;
export const SHDR = {
  sh_name: 0, sh_type: 4, sh_flags: 8, sh_addr: 16, sh_offset: 24, sh_size: 32, sh_link: 40,
  sh_info: 44, sh_addralign: 48, sh_entsize: 56,
} as const;
export const SYM = { st_name: 0, st_info: 4, st_other: 5, st_shndx: 6, st_value: 8, st_size: 16 } as const;

export interface ElfHeader {
  type: number;
  machine: number;
  osabi: number;
  entry: number;
  phoff: number;
  shoff: number;
  flags: number;
  phnum: number;
  shnum: number;
  shstrndx: number;
}

export interface ElfPhdr {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfShdr {
  /** Resolved from .shstrtab ('' when absent). */
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSym {
  name: string;
  bind: number;
  type: number;
  shndx: number;
  /** st_value: any 64-bit value (absolute symbols may be anything). */
  value: bigint;
  size: number;
}

export interface ElfFile {
  header: ElfHeader;
  /** Every program header, in file order. */
  phdrs: ElfPhdr[];
  /** Every section header (index 0 is the null section); empty when not parsed or absent. */
  sections: ElfShdr[];
  /** Symbols of the first SHT_SYMTAB section, without the null symbol at index 0. */
  symbols: ElfSym[];
  /** The PT_LOAD program headers, in file order. */
  loads: ElfPhdr[];
}

/** A malformed ELF file. `field` names the offending field (e.g. `phdr[1].p_offset`). */
export class ElfError extends PagewalkError {
  constructor(readonly fileName: string, readonly field: string, detail: string) {
    super(`${fileName}: ${field}: ${detail}`);
    this.name = 'ElfError';
  }
}

// ---- little-endian field access -------------------------------------------------------

export function rd16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
export function rd32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
/** A 64-bit field as a bigint. */
export function rd64(b: Uint8Array, o: number): bigint {
  return BigInt(rd32(b, o)) | (BigInt(rd32(b, o + 4)) << 32n);
}
export function wr16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
export function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}
export function wr64(b: Uint8Array, o: number, v: bigint | number): void {
  const x = BigInt.asUintN(64, BigInt(v));
  wr32(b, o, Number(x & 0xffffffffn));
  wr32(b, o + 4, Number(x >> 32n));
}

const hex = (v: number | bigint) => '0x' + v.toString(16);

export interface ParseElfOptions {
  /** Parse and validate section headers and the symbol table (default true). binfmt_elf does not. */
  sections?: boolean;
}

/**
 * Parses and validates an ELF64 little-endian file (any e_type/e_machine: see checkT64Executable).
 * Throws ElfError naming the file and field. 64-bit fields must be below 2^53.
 */
export function parseElf(bytes: Uint8Array, fileName = 'ELF file', options: ParseElfOptions = {}): ElfFile {
  const fail = (field: string, detail: string): never => {
    throw new ElfError(fileName, field, detail);
  };
  const size = bytes.length;
  const u64 = (o: number, field: string): number => {
    const v = rd64(bytes, o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(field, `value ${hex(v)} is out of range`);
    return Number(v);
  };

  if (size < EI_NIDENT || ELFMAG.some((m, i) => bytes[i] !== m)) fail('e_ident', 'not an ELF file (bad magic)');
  if (bytes[EI_CLASS] !== ELFCLASS64) fail('e_ident[EI_CLASS]', `${bytes[EI_CLASS]} is not ELFCLASS64`);
  if (bytes[EI_DATA] !== ELFDATA2LSB) fail('e_ident[EI_DATA]', `${bytes[EI_DATA]} is not ELFDATA2LSB`);
  if (bytes[EI_VERSION] !== EV_CURRENT) fail('e_ident[EI_VERSION]', `${bytes[EI_VERSION]} is not EV_CURRENT`);
  if (size < EHDR_SIZE) fail('e_ehsize', `file is ${size} bytes, shorter than the ELF header`);
  if (rd32(bytes, EHDR.e_version) !== EV_CURRENT) fail('e_version', `${rd32(bytes, EHDR.e_version)} is not EV_CURRENT`);
  if (rd16(bytes, EHDR.e_ehsize) !== EHDR_SIZE) fail('e_ehsize', `${rd16(bytes, EHDR.e_ehsize)} is not ${EHDR_SIZE}`);

  const header: ElfHeader = {
    type: rd16(bytes, EHDR.e_type),
    machine: rd16(bytes, EHDR.e_machine),
    osabi: bytes[EI_OSABI],
    entry: u64(EHDR.e_entry, 'e_entry'),
    phoff: u64(EHDR.e_phoff, 'e_phoff'),
    shoff: u64(EHDR.e_shoff, 'e_shoff'),
    flags: rd32(bytes, EHDR.e_flags),
    phnum: rd16(bytes, EHDR.e_phnum),
    shnum: rd16(bytes, EHDR.e_shnum),
    shstrndx: rd16(bytes, EHDR.e_shstrndx),
  };

  // Program headers (binfmt_elf: load_elf_phdrs)
  const phdrs: ElfPhdr[] = [];
  if (header.phnum > 0) {
    if (rd16(bytes, EHDR.e_phentsize) !== PHDR_SIZE) fail('e_phentsize', `${rd16(bytes, EHDR.e_phentsize)} is not ${PHDR_SIZE}`);
    if (header.phoff + header.phnum * PHDR_SIZE > size) fail('e_phoff', `program headers at ${hex(header.phoff)} run past the end of the file`);
  }
  for (let i = 0; i < header.phnum; i++) {
    const o = header.phoff + i * PHDR_SIZE;
    const f = (n: string) => `phdr[${i}].${n}`;
    const ph: ElfPhdr = {
      type: rd32(bytes, o + PHDR.p_type),
      flags: rd32(bytes, o + PHDR.p_flags),
      offset: u64(o + PHDR.p_offset, f('p_offset')),
      vaddr: u64(o + PHDR.p_vaddr, f('p_vaddr')),
      paddr: u64(o + PHDR.p_paddr, f('p_paddr')),
      filesz: u64(o + PHDR.p_filesz, f('p_filesz')),
      memsz: u64(o + PHDR.p_memsz, f('p_memsz')),
      align: u64(o + PHDR.p_align, f('p_align')),
    };
    if (ph.type === PT_LOAD) {
      if (ph.filesz > ph.memsz) fail(f('p_filesz'), `${hex(ph.filesz)} is larger than p_memsz ${hex(ph.memsz)}`);
      if (ph.filesz > 0 && ph.offset + ph.filesz > size) fail(f('p_offset'), `segment [${hex(ph.offset)}, ${hex(ph.offset + ph.filesz)}) runs past the end of the file (${hex(size)} bytes)`);
      if (ph.align > 1 && !Number.isInteger(Math.log2(ph.align))) fail(f('p_align'), `${hex(ph.align)} is not a power of two`);
      // mmap needs p_offset and p_vaddr congruent modulo the page size (elf_map).
      if ((ph.offset - ph.vaddr) % ELF_PAGE_SIZE !== 0) fail(f('p_offset'), `${hex(ph.offset)} is not congruent to p_vaddr ${hex(ph.vaddr)} modulo the page size`);
      if (ph.vaddr + ph.memsz > Number.MAX_SAFE_INTEGER) fail(f('p_memsz'), 'segment end is out of range');
    }
    phdrs.push(ph);
  }

  const sections: ElfShdr[] = [];
  const symbols: ElfSym[] = [];
  if (options.sections !== false && header.shoff !== 0 && header.shnum > 0) {
    if (rd16(bytes, EHDR.e_shentsize) !== SHDR_SIZE) fail('e_shentsize', `${rd16(bytes, EHDR.e_shentsize)} is not ${SHDR_SIZE}`);
    if (header.shoff + header.shnum * SHDR_SIZE > size) fail('e_shoff', `section headers at ${hex(header.shoff)} run past the end of the file`);
    if (header.shstrndx >= header.shnum) fail('e_shstrndx', `${header.shstrndx} is not a section index (e_shnum ${header.shnum})`);
    const raw: ElfShdr[] = [];
    for (let i = 0; i < header.shnum; i++) {
      const o = header.shoff + i * SHDR_SIZE;
      const f = (n: string) => `shdr[${i}].${n}`;
      const sh: ElfShdr = {
        name: '',
        type: rd32(bytes, o + SHDR.sh_type),
        flags: u64(o + SHDR.sh_flags, f('sh_flags')),
        addr: u64(o + SHDR.sh_addr, f('sh_addr')),
        offset: u64(o + SHDR.sh_offset, f('sh_offset')),
        size: u64(o + SHDR.sh_size, f('sh_size')),
        link: rd32(bytes, o + SHDR.sh_link),
        info: rd32(bytes, o + SHDR.sh_info),
        addralign: u64(o + SHDR.sh_addralign, f('sh_addralign')),
        entsize: u64(o + SHDR.sh_entsize, f('sh_entsize')),
      };
      if (i > 0 && sh.type !== SHT_NOBITS && sh.type !== SHT_NULL && sh.offset + sh.size > size)
        fail(f('sh_offset'), `section [${hex(sh.offset)}, ${hex(sh.offset + sh.size)}) runs past the end of the file`);
      raw.push(sh);
    }
    const shstr = raw[header.shstrndx];
    if (header.shstrndx !== SHN_UNDEF && shstr.type !== SHT_STRTAB) fail('e_shstrndx', `section ${header.shstrndx} is not a string table`);
    for (let i = 0; i < raw.length; i++) {
      const nameOff = rd32(bytes, header.shoff + i * SHDR_SIZE + SHDR.sh_name);
      if (header.shstrndx !== SHN_UNDEF) raw[i].name = readStr(bytes, shstr, nameOff, fail, `shdr[${i}].sh_name`);
      sections.push(raw[i]);
    }
    const symtabIndex = sections.findIndex((s) => s.type === SHT_SYMTAB);
    if (symtabIndex > 0) {
      const st = sections[symtabIndex];
      const f = (n: string) => `shdr[${symtabIndex}].${n}`;
      if (st.entsize !== SYM_SIZE) fail(f('sh_entsize'), `${st.entsize} is not ${SYM_SIZE}`);
      if (st.link >= sections.length || sections[st.link].type !== SHT_STRTAB) fail(f('sh_link'), `${st.link} is not a string table`);
      const strtab = sections[st.link];
      const n = Math.floor(st.size / SYM_SIZE);
      for (let i = 1; i < n; i++) {
        const o = st.offset + i * SYM_SIZE;
        const info = bytes[o + SYM.st_info];
        symbols.push({
          name: readStr(bytes, strtab, rd32(bytes, o + SYM.st_name), fail, `sym[${i}].st_name`),
          bind: info >> 4,
          type: info & 15,
          shndx: rd16(bytes, o + SYM.st_shndx),
          value: rd64(bytes, o + SYM.st_value),
          size: u64(o + SYM.st_size, `sym[${i}].st_size`),
        });
      }
    }
  }
  return { header, phdrs, sections, symbols, loads: phdrs.filter((p) => p.type === PT_LOAD) };
}

function readStr(bytes: Uint8Array, strtab: ElfShdr, off: number, fail: (f: string, d: string) => never, field: string): string {
  if (off >= strtab.size) fail(field, `offset ${off} is outside the string table`);
  const start = strtab.offset + off;
  const end = strtab.offset + strtab.size;
  let i = start;
  while (i < end && bytes[i] !== 0) i++;
  if (i >= end) fail(field, 'string is not NUL-terminated');
  return new TextDecoder().decode(bytes.subarray(start, i));
}

/**
 * Checks what makes an ELF file a T64 executable (binfmt_elf's elf_check_arch and e_type test):
 * ET_EXEC, e_machine EM_T64, at least one PT_LOAD. Throws ElfError.
 */
export function checkT64Executable(elf: ElfFile, fileName = 'ELF file'): void {
  if (elf.header.type !== ET_EXEC) throw new ElfError(fileName, 'e_type', `${elf.header.type} is not ET_EXEC (2)`);
  if (elf.header.machine !== EM_T64) throw new ElfError(fileName, 'e_machine', `${hex(elf.header.machine)} is not EM_T64 (0x5436)`);
  if (elf.loads.length === 0) throw new ElfError(fileName, 'e_phnum', 'no PT_LOAD segment');
}

/** "r-x"-style protections of a segment's p_flags (as /proc/pid/maps prints them, without p/s). */
export function pflagsString(flags: number): string {
  return (flags & PF_R ? 'r' : '-') + (flags & PF_W ? 'w' : '-') + (flags & PF_X ? 'x' : '-');
}
