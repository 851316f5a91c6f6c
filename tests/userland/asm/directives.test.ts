import { describe, expect, it } from 'vitest';
import { parseElf, PF_R, PF_W, PF_X, PT_LOAD, SHN_ABS, STB_GLOBAL, STB_LOCAL } from '../../../kernel/uapi/elf.ts';
import { asm, errorLines, section, u64le } from '../helpers.ts';

const data = (body: string) => [...section(asm(`_start: nop\n .data\n${body}`), '.data').bytes];

describe('data directives', () => {
  it('.byte .half .word .quad store little-endian values of 1, 2, 4, 8 bytes', () => {
    expect(data(' .byte 1, 0xff, -1, \'A\'\n .half 0x1234, -2\n .word 0x12345678\n .quad 0x1122334455667788, -1')).toEqual([
      1, 0xff, 0xff, 0x41, 0x34, 0x12, 0xfe, 0xff, 0x78, 0x56, 0x34, 0x12,
      0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 255, 255, 255, 255, 255, 255, 255, 255,
    ]);
  });
  it('a value must fit its width (unsigned, or negative written as unsigned)', () => {
    expect(errorLines('_start: .byte 256, -129\n .half 0x10000\n .word 0x100000000, 0xffffffff, -0x80000000, -0x80000001')).toEqual([
      't.s:1:15: value 0x100 does not fit in .byte (8 bits)',
      't.s:1:20: value 0xffffffffffffff7f does not fit in .byte (8 bits)',
      't.s:2:8: value 0x10000 does not fit in .half (16 bits)',
      't.s:3:8: value 0x100000000 does not fit in .word (32 bits)',
      't.s:3:46: value 0xffffffff7fffffff does not fit in .word (32 bits)',
    ]);
  });
  it('.ascii and .asciz take C escapes; .asciz appends a NUL; several strings per line', () => {
    expect(data(' .ascii "a\\n\\t\\"\\\\\\x41\\101\\0#;"\n .asciz "hi", "x"')).toEqual([
      0x61, 10, 9, 0x22, 0x5c, 0x41, 0x41, 0, 0x23, 0x3b, 0x68, 0x69, 0, 0x78, 0,
    ]);
  });
  it('non-ASCII characters in strings are UTF-8 bytes', () => {
    expect(data(' .ascii "é"')).toEqual([0xc3, 0xa9]);
  });
  it('.quad of a label is its address; .zero N reserves N zero bytes; .align N pads to a multiple of N', () => {
    const r = asm('_start: nop\n .data\nv: .quad v, _start\n .byte 7\n .align 8\nw: .zero 3\n .align 16\nx: .byte 1\n .align 1');
    const d = section(r, '.data');
    expect(d.addr).toBe(0x401000);
    expect(u64le(d.bytes, 0)).toBe(0x401000n);
    expect(u64le(d.bytes, 8)).toBe(0x400000n);
    expect(r.symbols.get('w')).toBe(0x401018n);
    expect(r.symbols.get('x')).toBe(0x401020n);
    expect(d.bytes.length).toBe(0x21);
  });
  it('.align takes a power of two; .zero a non-negative count', () => {
    expect(errorLines('_start: .align 3\n .align 0\n .zero -1\n .zero')).toEqual([
      't.s:1:16: .align 0x3: expected a power of two between 1 and 0x100000000 (bytes)',
      't.s:2:9: .align 0x0: expected a power of two between 1 and 0x100000000 (bytes)',
      't.s:3:8: .zero count 0xffffffffffffffff is too large (expected a byte count below 0x800000000000)',
      't.s:4:7: expected an expression, found end of line',
    ]);
  });
  it('.zero and .align counts may use labels; a count that moves its own label has no layout', () => {
    expect(asm('_start: .zero X\n .equ X, b - a\na: nop\nb: nop').symbols.get('a')).toBe(0x400008n);
    expect(errorLines('_start: .zero 8 - (end - _start)\nend: nop')).toEqual(['t.s:1:9: the layout does not converge: this count depends on a label that it moves']);
  });
  it('.equ defines a symbol once; labels and .equ share one namespace; predefined names cannot be redefined', () => {
    expect(errorLines('_start: nop\n .equ A, 1\n .equ A, 2\nA: nop\n_start: nop\n .equ PAGE_SIZE, 1\nSYS_read: nop\nr3: nop\n .equ sp, 1')).toEqual([
      "t.s:3:7: symbol 'A' is already defined on line 2",
      "t.s:4:1: symbol 'A' is already defined on line 2",
      "t.s:5:1: symbol '_start' is already defined on line 1",
      "t.s:6:7: 'PAGE_SIZE' is a predefined symbol and cannot be redefined",
      "t.s:7:1: 'SYS_read' is a predefined symbol and cannot be redefined",
      "t.s:8:1: 'r3' is a register name, not a symbol",
      "t.s:9:7: 'sp' is a register name, not a symbol",
    ]);
  });
  it('.globl marks symbols global in .symtab; a .globl symbol must be defined', () => {
    const r = asm(' .globl _start, helper\n_start: nop\nhelper: ret\nlocal: ret');
    const elf = parseElf(r.elf);
    const bind = (n: string) => elf.symbols.find((s) => s.name === n)!.bind;
    expect([bind('_start'), bind('helper'), bind('local')]).toEqual([STB_GLOBAL, STB_GLOBAL, STB_LOCAL]);
    expect(errorLines(' .globl nothere\n_start: nop')).toEqual(["t.s:1:9: '.globl nothere': symbol 'nothere' is never defined"]);
  });
  it('several labels may precede one statement; a line may hold only labels', () => {
    const r = asm('_start:\na: b: nop\nc:\nd: nop');
    expect([...r.symbols.entries()].map(([k, v]) => [k, v - 0x400000n])).toEqual([['_start', 0n], ['a', 0n], ['b', 0n], ['c', 8n], ['d', 8n]]);
  });
  it('comments: # and ; outside strings and character literals; blank lines', () => {
    expect(data("\n  # only a comment\n ; another\n .byte '#', ';' # c\n .ascii \"#;\" ; c")).toEqual([0x23, 0x3b, 0x23, 0x3b]);
  });
  it('"end of line" is reported just past the last token, not past a comment', () => {
    expect(errorLines('_start: add r1, r2    # comment\n li r1,  ; c\n la r1, @x')).toEqual([
      "t.s:1:19: expected ',', found end of line",
      't.s:2:8: expected an expression, found end of line',
      "t.s:3:9: unexpected character '@'",
    ]);
  });
  it('unknown directives and mnemonics, missing and extra operands are errors with positions', () => {
    expect(errorLines('_start: .foo 1\n frob r1\n add r1, r2\n add r1, r2, r3, r4\n ld64 r1, r2\n ld64 r1, [r2*2]\n add r1 r2, r3\n .ascii 5\n li r16, 1\n st8 [x], r1')).toEqual([
      "t.s:1:9: unknown directive '.foo'",
      "t.s:2:2: unknown instruction 'frob'",
      "t.s:3:12: expected ',', found end of line",
      "t.s:4:16: expected end of line, found ','",
      "t.s:5:11: expected a memory operand '[reg+offset]', found 'r2'",
      "t.s:6:14: expected '+', '-' or ']', found '*'",
      "t.s:7:9: expected ',', found 'r2'",
      't.s:8:9: expected a string ("..."), found \'5\'',
      "t.s:9:5: unknown register 'r16' (expected r0..r15 or sp)",
      "t.s:10:7: expected a register (r0..r15 or sp) for the base, found 'x'",
    ]);
  });
});

describe('sections and the ELF image', () => {
  const src = ' .bss\nbuf: .zero 100\n .text\n_start: nop\n .data\nd: .quad 1\n .rodata\nro: .byte 2\n .text\n ret\n .data\nd2: .byte 3';
  it('.text, .rodata, .data, .bss each start on a new page in that order; repeated directives continue a section', () => {
    const r = asm(src);
    expect(r.sections.map((s) => [s.name, s.addr, s.size, s.perms])).toEqual([
      ['.text', 0x400000, 16, 'r-x'], ['.rodata', 0x401000, 1, 'r--'], ['.data', 0x402000, 9, 'rw-'], ['.bss', 0x403000, 100, 'rw-'],
    ]);
    expect(r.symbols.get('d2')).toBe(0x402008n);
  });
  it('one PT_LOAD per non-empty section with its p_flags; .bss has no file bytes; entry is _start', () => {
    const r = asm(src);
    const elf = parseElf(r.elf);
    expect(elf.header.entry).toBe(0x400000);
    expect(elf.phdrs.map((p) => [p.type, p.vaddr, p.filesz, p.memsz, p.flags, p.offset % 4096])).toEqual([
      [PT_LOAD, 0x400000, 16, 16, PF_R | PF_X, 0], [PT_LOAD, 0x401000, 1, 1, PF_R, 0], [PT_LOAD, 0x402000, 9, 9, PF_R | PF_W, 0], [PT_LOAD, 0x403000, 0, 100, PF_R | PF_W, 0],
    ]);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.rodata', '.data', '.bss', '.symtab', '.strtab', '.shstrtab']);
  });
  it('an empty section takes no space and no segment; its labels sit where it would start', () => {
    const r = asm('_start: nop\n .rodata\nempty:\n .data\nd: .byte 1');
    expect(r.sections.map((s) => s.name)).toEqual(['.text', '.data']);
    expect(r.symbols.get('empty')).toBe(0x401000n);
    expect(r.symbols.get('d')).toBe(0x401000n);
    const elf = parseElf(r.elf);
    expect(elf.loads.length).toBe(2);
    expect(elf.symbols.find((s) => s.name === 'empty')!.shndx).toBe(SHN_ABS);
  });
  it('.bss holds no bytes: instructions and initialized data there are errors', () => {
    expect(errorLines('_start: nop\n .bss\n .byte 0\n nop\n .ascii "x"\n .zero 8\n .align 16')).toEqual([
      't.s:3:2: initialized data in .bss: .bss holds no bytes (use .zero to reserve space)',
      't.s:4:2: an instruction in .bss: .bss holds no bytes (use .zero to reserve space)',
      't.s:5:2: initialized data in .bss: .bss holds no bytes (use .zero to reserve space)',
    ]);
  });
  it('the entry point is _start, which must be defined', () => {
    expect(errorLines('main: nop')).toEqual(["t.s: no entry point: '_start' is not defined"]);
    expect(asm('nop\n_start: nop').entry).toBe(0x400008n);
  });
  it('the image must fit in user space (a large .bss costs no memory)', () => {
    expect(section(asm('_start: nop\n .bss\n .zero 0x7fffffbff000'), '.bss').size).toBe(0x7fffffbff000);
    expect(errorLines('_start: nop\n .bss\n .zero 0x7fffffc00000')).toEqual(['t.s: the program does not fit below 0x800000000000 (it ends at 0x800000001000)']);
    expect(errorLines('_start: nop\n .data\n .zero 0x20000000')).toEqual(['t.s: the program is too large (0x20000008 file bytes, limit 0x10000000)']);
  });
});
