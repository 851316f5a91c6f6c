// The assembler's ELF output run on the bare machine: toolchain + core + MMU together.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assemble } from '../../../userland/asm/index.ts';
import { Bare } from '../../harness/bare.ts';
import { VEC_PF } from '../../../hw/cpu/cpu.ts';
import { PFEC_P, PFEC_U, PFEC_W } from '../../../hw/mmu/regs.ts';

const specPath = fileURLToPath(new URL('../../../docs/t64.md', import.meta.url));

/** The example program of docs/t64.md's "Assembly language" section. */
function specExample(): string {
  const md = readFileSync(specPath, 'utf8');
  const at = md.indexOf('## Assembly language');
  const m = /```\n([\s\S]*?)```/.exec(md.slice(at));
  if (!m) throw new Error('no example in docs/t64.md');
  return m[1];
}

function run(source: string, fileName = 'prog.s') {
  const { elf } = assemble(source, fileName);
  const b = new Bare();
  const entry = b.loadElf(elf, fileName);
  b.setupStack();
  return { b, entry, r: b.run() };
}

// The example calls `helper` without defining it; supply a one-instruction helper.
const withHelper = (s: string) => (/^helper:/m.test(s) ? s : s + '\n        .text\nhelper: ret\n');

describe('assembled programs on the bare machine', () => {
  it("the spec's example: its st8 to .rodata (r--) faults as a user write to a present page", () => {
    const src = withHelper(specExample());
    const { b, r } = run(src);
    const msg = BigInt(assemble(src, 'prog.s').symbols.get('msg')!);
    expect(r).toMatchObject({ kind: 'exception', vector: VEC_PF, errorCode: PFEC_P | PFEC_W | PFEC_U, cr2: msg });
    expect(b.reg(1)).toBe(42n);
    expect(b.reg(2)).toBe(msg);
    expect(b.reg(3)).toBe(0n); // [msg+8] lies past "hello\n\0" in the zero-filled rest of the page
  });

  it("the spec's example with msg in .data runs to exit(0) through call/ret", () => {
    const src = withHelper(specExample().replace(/^\s*\.rodata\s*$/m, '        .data'));
    const { r } = run(src);
    expect(r).toEqual({ kind: 'exit', code: 0n, stdout: '' });
  });

  it('hello world via write(1) and exit(3)', () => {
    const { r } = run(`
        .text
        .globl _start
_start: li    r0, SYS_write
        li    r1, 1
        la    r2, msg
        li    r3, LEN
        syscall
        li    r0, SYS_exit
        li    r1, 3
        syscall
        .rodata
msg:    .ascii "hello, world\\n"
        .equ  LEN, 13
`);
    expect(r).toEqual({ kind: 'exit', code: 3n, stdout: 'hello, world\n' });
  });

  it('argc/argv at program start: a program prints argv[1] (strlen loop, write)', () => {
    const { elf } = assemble(`
        .text
_start: ld64  r2, [r2+8]        # argv[1]
        li    r3, 0
len:    add   r4, r2, r3
        ld8   r4, [r4]
        beqz  r4, done
        addi  r3, r3, 1
        b     len
done:   li    r0, SYS_write
        li    r1, 1
        syscall
        li    r0, SYS_exit_group
        mov   r1, r15
        andi  r1, r1, 15
        syscall
`, 'argv.s');
    const b = new Bare();
    b.loadElf(elf, 'argv.s');
    b.setupStack(0x7ffffffff000n, 2, ['prog', 'hello argv', 'x']);
    expect(b.reg(1)).toBe(3n);
    expect(b.run()).toEqual({ kind: 'exit', code: 0n, stdout: 'hello argv' });
  });

  it('bss is zero and writable; a loop sums .data into it', () => {
    const { r } = run(`
        .text
_start: la    r1, vals
        li    r2, 5
        li    r3, 0
loop:   ld64  r4, [r1]
        add   r3, r3, r4
        addi  r1, r1, 8
        addi  r2, r2, -1
        bnez  r2, loop
        la    r5, out
        ld64  r6, [r5+8]
        add   r3, r3, r6
        st64  [r5], r3
        ld64  r1, [r5]
        li    r0, SYS_exit
        syscall
        .data
vals:   .quad 1, 2, 3, 0x100000000, -1
        .bss
out:    .zero 4096
`);
    expect(r).toEqual({ kind: 'exit', code: 0x100000005n, stdout: '' });
  });
});
