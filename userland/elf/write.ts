// Writes a T64 ELF64 executable (ET_EXEC, EM_T64): one PT_LOAD per non-empty section,
// section headers, and a .symtab/.strtab of the program's symbols. Layout in docs/toolchain.md.
import {
  EHDR, EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, ELFMAG, ELFOSABI_NONE, ELF_PAGE_SIZE, EM_T64, ET_EXEC,
  EI_CLASS, EI_DATA, EI_OSABI, EI_VERSION, EV_CURRENT, PHDR, PHDR_SIZE, PT_LOAD, SHDR, SHDR_SIZE,
  SHN_ABS, SHT_NOBITS, SHT_PROGBITS, SHT_STRTAB, SHT_SYMTAB, STB_GLOBAL, STB_LOCAL, STT_FILE,
  STT_NOTYPE, SYM, SYM_SIZE, wr16, wr32, wr64,
} from '../../kernel/uapi/elf.ts';

export interface ElfOutSection {
  name: string;
  /** Link address (the writer keeps p_offset congruent to it modulo the page size). */
  addr: number;
  /** File bytes (empty for a NOBITS section). */
  data: Uint8Array;
  /** Size in memory: data.length, or more for NOBITS. */
  size: number;
  /** Segment protections (PF_R | PF_W | PF_X). */
  pflags: number;
  /** Section flags (SHF_ALLOC | ...). */
  shflags: number;
  nobits: boolean;
}

export interface ElfOutSymbol {
  name: string;
  value: bigint;
  /** Name of the section it is defined in, or null for an absolute symbol (SHN_ABS). */
  section: string | null;
  global: boolean;
}

export interface ElfOutImage {
  entry: bigint;
  /** Sections in address order; empty ones are skipped (no section, no segment). */
  sections: ElfOutSection[];
  symbols: ElfOutSymbol[];
  /** Source file name, recorded as an STT_FILE symbol. */
  sourceName?: string;
}

const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

/** Smallest file offset >= `from` that is congruent to `addr` modulo the page size. */
function congruentOffset(from: number, addr: number): number {
  const want = addr % ELF_PAGE_SIZE;
  let off = from - (from % ELF_PAGE_SIZE) + want;
  if (off < from) off += ELF_PAGE_SIZE;
  return off;
}

class StrTab {
  readonly parts: Uint8Array[] = [new Uint8Array(1)];
  size = 1;
  private readonly seen = new Map<string, number>();
  add(s: string): number {
    if (s === '') return 0;
    const known = this.seen.get(s);
    if (known !== undefined) return known;
    const b = new TextEncoder().encode(s + '\0');
    const off = this.size;
    this.parts.push(b);
    this.size += b.length;
    this.seen.set(s, off);
    return off;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export function writeElf(image: ElfOutImage): Uint8Array {
  const secs = image.sections.filter((s) => s.size > 0);
  const phnum = secs.length;

  // File layout: headers, then each section at an offset congruent to its address.
  let off = EHDR_SIZE + phnum * PHDR_SIZE;
  const offsets: number[] = [];
  for (const s of secs) {
    if (s.nobits) {
      // No file bytes: the largest congruent offset not past the data (p_filesz is 0).
      let o = congruentOffset(off, s.addr);
      if (o > off && o - ELF_PAGE_SIZE >= 0) o -= ELF_PAGE_SIZE;
      offsets.push(o);
      continue;
    }
    off = congruentOffset(off, s.addr);
    offsets.push(off);
    off += s.data.length;
  }
  const endOfLoad = off;

  // Section header string table and symbol table.
  const shstr = new StrTab();
  const strtab = new StrTab();
  const secIndex = new Map<string, number>();
  secs.forEach((s, i) => secIndex.set(s.name, i + 1));
  const symtabIdx = secs.length + 1, strtabIdx = secs.length + 2, shstrIdx = secs.length + 3;
  const shnum = secs.length + 4;

  const syms: { name: number; info: number; shndx: number; value: bigint }[] = [];
  if (image.sourceName) syms.push({ name: strtab.add(image.sourceName), info: (STB_LOCAL << 4) | STT_FILE, shndx: SHN_ABS, value: 0n });
  const ordered = [...image.symbols.filter((s) => !s.global), ...image.symbols.filter((s) => s.global)];
  let firstGlobal = -1;
  for (const s of ordered) {
    if (s.global && firstGlobal < 0) firstGlobal = syms.length + 1;
    const shndx = s.section === null ? SHN_ABS : secIndex.get(s.section) ?? SHN_ABS;
    syms.push({ name: strtab.add(s.name), info: ((s.global ? STB_GLOBAL : STB_LOCAL) << 4) | STT_NOTYPE, shndx, value: s.value });
  }
  if (firstGlobal < 0) firstGlobal = syms.length + 1;

  const symtabOff = alignUp(endOfLoad, 8);
  const symtabSize = (syms.length + 1) * SYM_SIZE;
  const strtabBytes = strtab.bytes();
  const strtabOff = symtabOff + symtabSize;
  const shNames = [0, ...secs.map((s) => shstr.add(s.name)), shstr.add('.symtab'), shstr.add('.strtab'), shstr.add('.shstrtab')];
  const shstrBytes = shstr.bytes();
  const shstrOff = strtabOff + strtabBytes.length;
  const shoff = alignUp(shstrOff + shstrBytes.length, 8);
  const total = shoff + shnum * SHDR_SIZE;

  const out = new Uint8Array(total);
  // ELF header
  out.set(ELFMAG, 0);
  out[EI_CLASS] = ELFCLASS64;
  out[EI_DATA] = ELFDATA2LSB;
  out[EI_VERSION] = EV_CURRENT;
  out[EI_OSABI] = ELFOSABI_NONE;
  wr16(out, EHDR.e_type, ET_EXEC);
  wr16(out, EHDR.e_machine, EM_T64);
  wr32(out, EHDR.e_version, EV_CURRENT);
  wr64(out, EHDR.e_entry, image.entry);
  wr64(out, EHDR.e_phoff, phnum > 0 ? EHDR_SIZE : 0);
  wr64(out, EHDR.e_shoff, shoff);
  wr32(out, EHDR.e_flags, 0);
  wr16(out, EHDR.e_ehsize, EHDR_SIZE);
  wr16(out, EHDR.e_phentsize, PHDR_SIZE);
  wr16(out, EHDR.e_phnum, phnum);
  wr16(out, EHDR.e_shentsize, SHDR_SIZE);
  wr16(out, EHDR.e_shnum, shnum);
  wr16(out, EHDR.e_shstrndx, shstrIdx);

  // Program headers: one PT_LOAD per section, the bss part as p_memsz > p_filesz.
  secs.forEach((s, i) => {
    const o = EHDR_SIZE + i * PHDR_SIZE;
    wr32(out, o + PHDR.p_type, PT_LOAD);
    wr32(out, o + PHDR.p_flags, s.pflags);
    wr64(out, o + PHDR.p_offset, offsets[i]);
    wr64(out, o + PHDR.p_vaddr, s.addr);
    wr64(out, o + PHDR.p_paddr, s.addr);
    wr64(out, o + PHDR.p_filesz, s.nobits ? 0 : s.data.length);
    wr64(out, o + PHDR.p_memsz, s.size);
    wr64(out, o + PHDR.p_align, ELF_PAGE_SIZE);
    if (!s.nobits) out.set(s.data, offsets[i]);
  });

  // .symtab, .strtab, .shstrtab
  syms.forEach((s, i) => {
    const o = symtabOff + (i + 1) * SYM_SIZE;
    wr32(out, o + SYM.st_name, s.name);
    out[o + SYM.st_info] = s.info;
    out[o + SYM.st_other] = 0;
    wr16(out, o + SYM.st_shndx, s.shndx);
    wr64(out, o + SYM.st_value, s.value);
    wr64(out, o + SYM.st_size, 0);
  });
  out.set(strtabBytes, strtabOff);
  out.set(shstrBytes, shstrOff);

  // Section headers (index 0 stays all zero).
  const shdr = (i: number, type: number, flags: number, addr: number, offset: number, size: number, link: number, info: number, align: number, entsize: number) => {
    const o = shoff + i * SHDR_SIZE;
    wr32(out, o + SHDR.sh_name, shNames[i]);
    wr32(out, o + SHDR.sh_type, type);
    wr64(out, o + SHDR.sh_flags, flags);
    wr64(out, o + SHDR.sh_addr, addr);
    wr64(out, o + SHDR.sh_offset, offset);
    wr64(out, o + SHDR.sh_size, size);
    wr32(out, o + SHDR.sh_link, link);
    wr32(out, o + SHDR.sh_info, info);
    wr64(out, o + SHDR.sh_addralign, align);
    wr64(out, o + SHDR.sh_entsize, entsize);
  };
  secs.forEach((s, i) => shdr(i + 1, s.nobits ? SHT_NOBITS : SHT_PROGBITS, s.shflags, s.addr, offsets[i], s.size, 0, 0, ELF_PAGE_SIZE, 0));
  shdr(symtabIdx, SHT_SYMTAB, 0, 0, symtabOff, symtabSize, strtabIdx, firstGlobal, 8, SYM_SIZE);
  shdr(strtabIdx, SHT_STRTAB, 0, 0, strtabOff, strtabBytes.length, 0, 0, 1, 0);
  shdr(shstrIdx, SHT_STRTAB, 0, 0, shstrOff, shstrBytes.length, 0, 0, 1, 0);
  return out;
}
