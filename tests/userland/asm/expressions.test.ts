import { describe, expect, it } from 'vitest';
import { predefinedSymbols } from '../../../kernel/uapi/constants.ts';
import { asm, errorLines } from '../helpers.ts';

/** The value of an expression, through `.equ`. */
const val = (e: string) => asm(`_start: nop\n .equ V, ${e}`).symbols.get('V');

describe('expressions: 64-bit two\'s complement with C precedence', () => {
  it('integers: decimal, 0x, 0b, character literals; up to 2^64 - 1', () => {
    expect([val('42'), val('0x2A'), val('0X2a'), val('0b101010'), val('0B101010'), val("'*'"), val('18446744073709551615'), val('0xffffffffffffffff')])
      .toEqual([42n, 42n, 42n, 42n, 42n, 42n, 2n ** 64n - 1n, 2n ** 64n - 1n]);
  });
  it('character literals take C escapes', () => {
    const esc = ["'\\n'", "'\\t'", "'\\r'", "'\\0'", "'\\\\'", "'\\''", "'\\\"'", "'\\a'", "'\\b'", "'\\f'", "'\\v'", "'\\?'", "'\\x41'", "'\\101'", "'\\377'", "'#'", "';'"];
    expect(esc.map(val)).toEqual([10n, 9n, 13n, 0n, 92n, 39n, 34n, 7n, 8n, 12n, 11n, 63n, 65n, 65n, 255n, 35n, 59n]);
  });
  it('unary - and ~ wrap modulo 2^64', () => {
    expect([val('-1'), val('~0'), val('-(-5)'), val('~~7'), val('-0x8000000000000000')]).toEqual([2n ** 64n - 1n, 2n ** 64n - 1n, 5n, 7n, 2n ** 63n]);
  });
  it('binary operators: + - * / % << >> & | ^', () => {
    expect([val('7 + 5'), val('7 - 5'), val('7 * 5'), val('7 / 2'), val('7 % 4'), val('1 << 4'), val('256 >> 4'), val('12 & 10'), val('12 | 10'), val('12 ^ 10')])
      .toEqual([12n, 2n, 35n, 3n, 3n, 16n, 16n, 8n, 14n, 6n]);
  });
  it('/ and % are unsigned, >> is logical, arithmetic wraps', () => {
    expect(val('-8 / 2')).toBe((2n ** 64n - 8n) / 2n);
    expect(val('-1 % 10')).toBe((2n ** 64n - 1n) % 10n);
    expect(val('-1 >> 60')).toBe(15n);
    expect(val('0xffffffffffffffff + 2')).toBe(1n);
    expect(val('0x100000000 * 0x100000000')).toBe(0n);
    expect(val('1 << 63')).toBe(2n ** 63n);
    expect(val('1 << 64')).toBe(0n);
    expect(val('-1 >> 64')).toBe(0n);
  });
  it('C precedence: * / % over + - over << >> over & over ^ over |; left associative; parentheses', () => {
    expect(val('1 + 2 * 3')).toBe(7n);
    expect(val('(1 + 2) * 3')).toBe(9n);
    expect(val('1 << 2 + 1')).toBe(8n);
    expect(val('6 & 3 << 1')).toBe(6n);
    expect(val('1 | 2 ^ 3 & 1')).toBe(1n | (2n ^ (3n & 1n)));
    expect(val('100 - 10 - 1')).toBe(89n);
    expect(val('64 / 4 / 2')).toBe(8n);
    expect(val('-2 * 3')).toBe(2n ** 64n - 6n);
    expect(val('~1 & 0xff')).toBe(0xfen);
  });
  it('symbols: labels and .equ, usable before their definition', () => {
    const r = asm('_start: li r1, A + B\n .equ A, B * 2\n .equ B, end - _start\nend: nop');
    expect(r.symbols.get('B')).toBe(8n);
    expect(r.symbols.get('A')).toBe(16n);
  });
  it('predefined symbols: PAGE_SIZE, SYS_<name> and the Linux constants t64.md lists', () => {
    expect([val('PAGE_SIZE'), val('SYS_mmap'), val('SYS_rt_sigaction'), val('SYS_exit_group'), val('PROT_READ|PROT_WRITE'), val('MAP_PRIVATE|MAP_ANONYMOUS'),
      val('MAP_FIXED_NOREPLACE'), val('MREMAP_MAYMOVE'), val('MADV_POPULATE_WRITE'), val('O_TRUNC'), val('SA_SIGINFO'), val('SIGSEGV'), val('SEGV_ACCERR'),
      val('ENOMEM'), val('SA_RESTORER'), val('WNOHANG'), val('RUSAGE_SELF'), val('CLONE_VM'), val('MCL_FUTURE'), val('MS_SYNC'), val('SEEK_END'),
      val('BUS_ADRERR'), val('ILL_ILLOPC'), val('FPE_INTDIV'), val('TRAP_BRKPT'), val('EHWPOISON'), val('ECONNREFUSED')])
      .toEqual([4096n, 9n, 13n, 231n, 3n, 0x22n, 0x100000n, 1n, 23n, 0o1000n, 4n, 11n, 2n, 12n, 0x04000000n, 1n, 0n, 0x100n, 2n, 4n, 2n, 2n, 1n, 1n, 1n, 133n, 111n]);
    expect(val('RUSAGE_CHILDREN')).toBe(2n ** 64n - 1n);
  });
  it('every syscall in the t64.md table has its SYS_ name', () => {
    const p = predefinedSymbols();
    const table = { read: 0, write: 1, open: 2, close: 3, lseek: 8, mmap: 9, mprotect: 10, munmap: 11, brk: 12, rt_sigaction: 13, rt_sigreturn: 15,
      pread64: 17, pwrite64: 18, sched_yield: 24, mremap: 25, msync: 26, mincore: 27, madvise: 28, getpid: 39, clone: 56, fork: 57, exit: 60,
      wait4: 61, kill: 62, fsync: 74, ftruncate: 77, getrusage: 98, getppid: 110, mlock: 149, munlock: 150, mlockall: 151, munlockall: 152,
      gettid: 186, exit_group: 231 };
    for (const [k, v] of Object.entries(table)) expect(p.get(`SYS_${k}`), k).toBe(BigInt(v));
  });
  it('errors: bad numbers, overflow, division by zero, undefined symbols, circular .equ', () => {
    expect(errorLines([
      '_start: li r1, 0x', //1
      ' li r1, 12ab', //2
      ' li r1, 0b102', //3
      ' li r1, 18446744073709551616', //4
      ' li r1, 1 / (2 - 2)', //5
      ' li r1, 5 % 0', //6
      ' li r1, nosuch + 1', //7
      ' .equ A, B + 1', //8
      ' .equ B, A', //9
      ' li r1, (1 + 2', //10
      ' li r1, 1 +', //11
      ' li r1, r2', //12
      " li r1, ''", //13
      " li r1, 'ab'", //14
      " li r1, '\\q'", //15
      " li r1, '\\x100'", //16
    ].join('\n'))).toEqual([
      "t.s:1:16: invalid hexadecimal number '0x'",
      "t.s:2:9: invalid decimal number '12ab'",
      "t.s:3:9: invalid binary number '0b102'",
      "t.s:4:9: number '18446744073709551616' does not fit in 64 bits",
      "t.s:5:11: division by zero in '/'",
      "t.s:6:11: division by zero in '%'",
      "t.s:7:9: undefined symbol 'nosuch'",
      "t.s:8:7: circular definition of 'A'",
      "t.s:9:7: circular definition of 'B'",
      "t.s:10:15: expected ')', found end of line",
      't.s:11:12: expected an expression, found end of line',
      "t.s:12:9: expected an expression, found register 'r2'",
      't.s:13:9: empty character literal',
      't.s:14:9: character literal must be a single byte',
      "t.s:15:10: unknown escape sequence '\\q'",
      "t.s:16:10: hexadecimal escape '\\x100' is larger than 0xff",
    ]);
  });
});
