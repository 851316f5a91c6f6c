import { describe, expect, it } from 'vitest';
import {
  EHDR, EHDR_SIZE, ElfError, EM_T64, ET_EXEC, PHDR, PHDR_SIZE, PT_LOAD, SHT_NOBITS, SHT_PROGBITS, SHT_STRTAB, SHT_SYMTAB,
  checkT64Executable, parseElf, pflagsString, rd16, rd64, wr16, wr32, wr64,
} from '../../../kernel/uapi/elf.ts';
import { readExecutable } from '../../../userland/elf/read.ts';
import { writeElf } from '../../../userland/elf/write.ts';
import { asm } from '../helpers.ts';

const prog = () => asm('_start: li r1, 1\n .rodata\nm: .ascii "abc"\n .data\nd: .quad 5\n .bss\nb: .zero 64').elf;

/** Applies `f` to a copy and returns the parse error's message. */
function broken(f: (b: Uint8Array) => void, check = false): string {
  const b = prog().slice();
  f(b);
  try {
    const e = parseElf(b, 'p');
    if (check) checkT64Executable(e, 'p');
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    return (e as Error).message;
  }
  return 'no error';
}

describe('ELF writer', () => {
  it('writes an ELF64 LSB ET_EXEC with e_machine 0x5436, EI_OSABI 0, entry _start', () => {
    const b = prog();
    expect([...b.subarray(0, 8)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    expect([rd16(b, EHDR.e_type), rd16(b, EHDR.e_machine), rd64(b, EHDR.e_entry)]).toEqual([ET_EXEC, EM_T64, 0x400000n]);
  });
  it('keeps each segment\'s p_offset congruent to p_vaddr modulo 4096, and puts its bytes there', () => {
    const b = prog();
    const e = parseElf(b);
    for (const p of e.loads) expect(p.offset % 4096).toBe(p.vaddr % 4096);
    expect([...b.subarray(e.loads[1].offset, e.loads[1].offset + 3)]).toEqual([0x61, 0x62, 0x63]);
  });
  it('writes section headers and a symbol table of the program labels (locals first)', () => {
    const e = parseElf(prog());
    expect(e.sections.map((s) => [s.name, s.type])).toEqual([
      ['', 0], ['.text', SHT_PROGBITS], ['.rodata', SHT_PROGBITS], ['.data', SHT_PROGBITS], ['.bss', SHT_NOBITS],
      ['.symtab', SHT_SYMTAB], ['.strtab', SHT_STRTAB], ['.shstrtab', SHT_STRTAB],
    ]);
    expect(e.symbols.map((s) => [s.name, s.value])).toEqual([['t.s', 0n], ['_start', 0x400000n], ['m', 0x401000n], ['d', 0x402000n], ['b', 0x403000n]]);
  });
  it('an image without sections has no PT_LOAD', () => {
    const b = writeElf({ entry: 0n, sections: [], symbols: [] });
    expect(parseElf(b).loads).toEqual([]);
  });
});

describe('ELF reader (kernel/uapi/elf.ts parseElf, userland/elf/read.ts)', () => {
  it('returns the PT_LOAD segments with their bytes and protections', () => {
    const x = readExecutable(prog(), 'p');
    expect(x.entry).toBe(0x400000);
    expect(x.segments.map((s) => [s.vaddr, s.memsz, s.perms, s.data.length])).toEqual([
      [0x400000, 8, 'r-x', 8], [0x401000, 3, 'r--', 3], [0x402000, 8, 'rw-', 8], [0x403000, 64, 'rw-', 0],
    ]);
    expect(pflagsString(5)).toBe('r-x');
  });
  it('rejects bad input with a one-line error naming the file and the field', () => {
    expect(broken((b) => (b[1] = 0x46))).toBe('p: e_ident: not an ELF file (bad magic)');
    expect(broken((b) => (b[4] = 1))).toBe('p: e_ident[EI_CLASS]: 1 is not ELFCLASS64');
    expect(broken((b) => (b[5] = 2))).toBe('p: e_ident[EI_DATA]: 2 is not ELFDATA2LSB');
    expect(broken((b) => wr16(b, EHDR.e_phentsize, 32))).toBe('p: e_phentsize: 32 is not 56');
    expect(broken((b) => wr64(b, EHDR.e_phoff, 0xfffff0))).toBe('p: e_phoff: program headers at 0xfffff0 run past the end of the file');
    expect(broken((b) => wr64(b, EHDR_SIZE + PHDR.p_filesz, 0x10))).toBe('p: phdr[0].p_filesz: 0x10 is larger than p_memsz 0x8');
    expect(broken((b) => wr64(b, EHDR_SIZE + PHDR.p_offset, 0x1008))).toBe('p: phdr[0].p_offset: 0x1008 is not congruent to p_vaddr 0x400000 modulo the page size');
    expect(broken((b) => wr64(b, EHDR_SIZE + PHDR_SIZE + PHDR.p_offset, 0x100000))).toBe('p: phdr[1].p_offset: segment [0x100000, 0x100003) runs past the end of the file (0x2240 bytes)'.replace('0x2240', `0x${prog().length.toString(16)}`));
    expect(broken((b) => wr64(b, EHDR.e_entry, 2n ** 60n))).toBe('p: e_entry: value 0x1000000000000000 is out of range');
    expect(broken((b) => wr16(b, EHDR.e_shstrndx, 99))).toBe('p: e_shstrndx: 99 is not a section index (e_shnum 8)');
    expect(broken((b) => wr16(b, EHDR.e_machine, 62), true)).toBe('p: e_machine: 0x3e is not EM_T64 (0x5436)');
    expect(broken((b) => wr16(b, EHDR.e_type, 3), true)).toBe('p: e_type: 3 is not ET_EXEC (2)');
    expect(broken((b) => wr32(b, EHDR_SIZE + PHDR.p_type, PT_LOAD))).toBe('no error');
    expect(() => parseElf(new Uint8Array(10), 'short')).toThrow('short: e_ident: not an ELF file (bad magic)');
  });
  it('section headers can be skipped (binfmt_elf does not read them)', () => {
    const b = prog().slice();
    wr16(b, EHDR.e_shstrndx, 99);
    expect(parseElf(b, 'p', { sections: false }).loads.length).toBe(4);
  });
  it('never throws anything but ElfError on truncated or corrupted files', () => {
    const good = prog();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8);
    for (let i = 0; i < 2000; i++) {
      const b = good.slice(0, i % 7 === 0 ? rnd() % good.length : good.length);
      for (let k = 0; k < 1 + (rnd() % 4); k++) if (b.length) b[rnd() % Math.min(b.length, 0x200)] = rnd() & 0xff;
      try {
        parseElf(b, 'f');
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
      }
    }
  });
});
