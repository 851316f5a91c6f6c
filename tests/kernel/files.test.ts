// The VFS system calls and uaccess, observed from T64 programs: errno values, file offsets,
// EFAULT on bad pointers, demand paging of an untouched read() buffer, /proc text.
import { describe, expect, it } from 'vitest';
import { runAsm, s64 } from './helpers.ts';

const sys = (nr: string, ...args: (string | number)[]) =>
  [`        li    r0, ${nr}`, ...args.map((a, i) => (typeof a === 'number' || /^-?\d|^0x|^[A-Z_|]+$/.test(a) ? `        li    r${i + 1}, ${a}` : `        la    r${i + 1}, ${a}`)), '        syscall', '        mov   r1, r0', '        call  out'].join('\n');

describe('file system calls', () => {
  it('open/write/lseek/pread64/pwrite64/ftruncate/fsync/close behave as on Linux, relative to the cwd', () => {
    const r = runAsm(`
        .text
        .globl _start
_start:
${sys('SYS_open', 'name', 'O_RDWR|O_CREAT', 0o644)}
        mov   r12, r1
        li    r0, SYS_write
        mov   r1, r12
        la    r2, msg
        li    r3, 5
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_pread64
        mov   r1, r12
        la    r2, buf
        li    r3, 16
        li    r4, 1
        syscall
        mov   r1, r0
        call  out
        la    r9, buf
        ld64  r1, [r9]
        call  out
        li    r0, SYS_pwrite64
        mov   r1, r12
        la    r2, msg
        li    r3, 2
        li    r4, 10
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_lseek
        mov   r1, r12
        li    r2, 0
        li    r3, SEEK_END
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_ftruncate
        mov   r1, r12
        li    r2, 3
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_lseek
        mov   r1, r12
        li    r2, -1
        li    r3, SEEK_END
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_lseek
        mov   r1, r12
        li    r2, -9
        li    r3, SEEK_CUR
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_fsync
        mov   r1, r12
        syscall
        mov   r1, r0
        call  out
${sys('SYS_open', 'name', 'O_RDWR|O_CREAT|O_EXCL', 0o644)}
${sys('SYS_open', 'nope', 'O_RDONLY', 0)}
${sys('SYS_open', 'abs', 'O_RDONLY', 0)}
        mov   r13, r1
        li    r0, SYS_ftruncate
        mov   r1, r13
        li    r2, 0
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_write
        mov   r1, r13
        la    r2, msg
        li    r3, 1
        syscall
        mov   r1, r0
        call  out
${sys('SYS_lseek', 1, 0, 0)}
        li    r0, SYS_close
        mov   r1, r12
        syscall
        mov   r1, r0
        call  out
        li    r0, SYS_close
        mov   r1, r12
        syscall
        mov   r1, r0
        call  out
        call  exit0
        .rodata
name:   .asciz "f.txt"
nope:   .asciz "missing/f.txt"
abs:    .asciz "/work/dir/f.txt"
msg:    .ascii "hello"
        .bss
buf:    .zero 16
`, { cwd: '/work/dir' });
    expect(r.result.exitCode).toBe(0);
    expect(r.words.map(s64)).toEqual([
      3n, // open
      5n, // write
      4n, // pread64 at 1: "ello"
      0x6f6c6c65n,
      2n, // pwrite64 at 10
      12n, // lseek END: size 12
      0n, // ftruncate 3
      2n, // lseek(-1, END)
      -22n, // lseek to a negative position
      0n, // fsync
      -17n, // O_EXCL on an existing file: EEXIST
      -2n, // ENOENT
      4n, // the same file by its absolute path, read-only
      -22n, // ftruncate of a read-only fd: EINVAL
      -9n, // write to a read-only fd: EBADF
      -29n, // lseek on stdout: ESPIPE
      0n, // close
      -9n, // close again: EBADF
    ]);
  });
});

describe('uaccess', () => {
  it('a bad user pointer is EFAULT, never a crash', () => {
    const r = runAsm(`
        .text
        .globl _start
_start:
${sys('SYS_write', 1, 0x10, 8)}
${sys('SYS_write', 1, '0xffff888000000000', 8)}
${sys('SYS_open', 0x10, 0, 0)}
${sys('SYS_getrusage', 0, 0x7ffffffff000)}
${sys('SYS_rt_sigaction', 11, 0x20, 0, 8)}
        call  exit0
`);
    expect(r.result.exitCode).toBe(0);
    expect(r.words.map(s64)).toEqual([-14n, -14n, -14n, -14n, -14n]);
  });

  it('read() into an untouched buffer demand-pages it and counts one minor fault', () => {
    const r = runAsm(`
        .text
        .globl _start
_start: la    r1, path
        ld8   r1, [r1]
${sys('SYS_mmap', 0, 8192, 'PROT_READ|PROT_WRITE', 'MAP_PRIVATE|MAP_ANONYMOUS', -1, 0)}
        mov   r12, r1
${sys('SYS_getrusage', 0, 'ru')}
${sys('SYS_getrusage', 0, 'ru')}
        la    r9, ru
        ld64  r13, [r9+64]
${sys('SYS_open', 'path', 0, 0)}
        li    r0, SYS_read
        mov   r2, r12
        li    r3, 100
        syscall
        mov   r1, r0
        call  out
${sys('SYS_getrusage', 0, 'ru')}
        la    r9, ru
        ld64  r1, [r9+64]
        sub   r1, r1, r13
        call  out
        ld32  r1, [r12]
        call  out
        call  exit0
        .rodata
path:   .asciz "/proc/self/status"
        .bss
ru:     .zero 144
`);
    const w = r.words.map(s64);
    // open, read (100 bytes), getrusage, one more minor fault than before, the bytes "Name".
    expect(w.slice(3)).toEqual([3n, 100n, 0n, 1n, 0x656d614en]);
  });
});

describe('/proc', () => {
  it('serves /proc/<pid>/maps of another process and refuses writes', () => {
    const r = runAsm(`
        .text
        .globl _start
_start:
${sys('SYS_open', 'maps', 0, 0)}
        li    r0, SYS_read
        la    r2, buf
        li    r3, 4096
        syscall
        mov   r1, r0
        call  out
${sys('SYS_open', 'maps', 'O_RDWR', 0)}
${sys('SYS_open', 'none', 0, 0)}
        li    r0, SYS_write
        li    r1, 1
        la    r2, buf
        li    r3, 100
        syscall
        call  exit0
        .rodata
maps:   .asciz "/proc/2/maps"
none:   .asciz "/proc/77/status"
        .bss
buf:    .zero 4096
`);
    const w = r.words.slice(0, 4).map(s64);
    expect(w[0]).toBe(3n);
    expect(w[1]).toBeGreaterThan(100n);
    expect(w.slice(2)).toEqual([-13n, -2n]);
    expect(Buffer.from(r.stdout.subarray(32)).toString('latin1')).toMatch(/^00400000-00401000 r-xp 00001000 00:1c \d+ +\/usr\/bin\/test\n/);
  });
});
