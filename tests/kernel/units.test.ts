// Unit tests of the kernel-proc pieces that need no machine: strace rendering, the signal frame
// layout, struct rusage offsets, wait status words, the VFS path walk and descriptor table.
import { describe, expect, it } from 'vitest';
import { renderSigaction, renderSyscall } from '../../kernel/strace.ts';
import { buildSigframe, restoreUcontext, sigframeAddress, SI_OFFSET, UC_OFFSET, FRAME_SIZE } from '../../kernel/signal-frame.ts';
import { rusageBytes } from '../../kernel/syscalls/process.ts';
import { exitStatus, signaledStatus, defaultAction } from '../../kernel/signal-defs.ts';
import { Vfs } from '../../kernel/fs/vfs.ts';
import { FdTable, OpenFile } from '../../kernel/fs/file.ts';
import { procPidStatus } from '../../kernel/fs/proc-status.ts';

describe('strace rendering', () => {
  it('renders mmap like strace', () => {
    expect(renderSyscall(9, [0n, 16384n, 3n, 0x22n, 0xffffffffffffffffn, 0n], 0x7f3c2a400000n)).toBe(
      'mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3c2a400000',
    );
  });
  it('renders an error return with its errno name and text', () => {
    expect(renderSyscall(11, [0x1000n, 0n, 0n, 0n, 0n, 0n], BigInt.asUintN(64, -22n))).toBe('munmap(0x1000, 0) = -1 EINVAL (Invalid argument)');
  });
  it('renders write buffers and open paths as C strings', () => {
    expect(renderSyscall(1, [1n, 0x1000n, 6n, 0n, 0n, 0n], 6n, { arg: { 1: new TextEncoder().encode('hello\n') } })).toBe('write(1, "hello\\n", 6) = 6');
    expect(renderSyscall(2, [0x1000n, 0x242n, 0o644n, 0n, 0n, 0n], 3n, { arg: { 0: 'F' } })).toBe('open("F", O_RDWR|O_CREAT|O_TRUNC, 0644) = 3');
  });
  it('renders struct sigaction arguments given by the handler', () => {
    const text = renderSigaction(0x401000n, 0x04000004n, 0x401020n, 1n << 9n);
    expect(renderSyscall(13, [11n, 0x1000n, 0n, 8n, 0n, 0n], 0n, { text: { 1: text } })).toBe(
      'rt_sigaction(SIGSEGV, {sa_handler=0x401000, sa_mask=[USR1], sa_flags=SA_RESTORER|SA_SIGINFO, sa_restorer=0x401020}, NULL, 8) = 0',
    );
  });
  it('renders exit_group with no return value', () => {
    expect(renderSyscall(231, [0n, 0n, 0n, 0n, 0n, 0n], null)).toBe('exit_group(0) = ?');
  });
});

describe('signal frame (t64.md Signals)', () => {
  it('aligns the frame so that sp+8 is 16-byte aligned and skips the red zone', () => {
    for (const sp of [0x7ffffff000, 0x7ffffff008, 0x7fffffef38]) {
      const f = sigframeAddress(sp);
      expect((f + 8) % 16).toBe(0);
      expect(f + FRAME_SIZE).toBeLessThanOrEqual(sp - 128);
    }
  });
  it('lays out siginfo and the saved context at the documented offsets and restores them', () => {
    const regs = { regLo: new Uint32Array(16), regHi: new Uint32Array(16), pcLo: 0x401000, pcHi: 0 };
    for (let i = 0; i < 16; i++) {
      regs.regLo[i] = 0x1000 + i;
      regs.regHi[i] = i;
    }
    const b = buildSigframe(regs, 0x401230n, 0x400n, 11, 2, 0x7f0000001000n);
    const dv = new DataView(b.buffer);
    expect(dv.getBigUint64(0, true)).toBe(0x401230n);
    expect(dv.getUint32(UC_OFFSET + 3 * 8, true)).toBe(0x1003);
    expect(dv.getUint32(UC_OFFSET + 3 * 8 + 4, true)).toBe(3);
    expect(dv.getBigUint64(UC_OFFSET + 128, true)).toBe(0x401000n);
    expect(dv.getInt32(SI_OFFSET, true)).toBe(11);
    expect(dv.getInt32(SI_OFFSET + 8, true)).toBe(2);
    expect(dv.getBigUint64(SI_OFFSET + 16, true)).toBe(0x7f0000001000n);
    const back = { regLo: new Uint32Array(16), regHi: new Uint32Array(16), pcLo: 0, pcHi: 0 };
    expect(restoreUcontext(b.subarray(UC_OFFSET), back)).toBe(0x400n);
    expect(Array.from(back.regLo)).toEqual(Array.from(regs.regLo));
    expect(back.pcLo).toBe(0x401000);
  });
});

describe('struct rusage and wait status', () => {
  it('puts ru_maxrss at 32, ru_minflt at 64, ru_majflt at 72', () => {
    const b = rusageBytes(3_000_000_000, 0, 1234, 56, 7, 0, 0);
    const dv = new DataView(b.buffer);
    expect(b.length).toBe(144);
    expect(dv.getBigUint64(0, true)).toBe(1n); // 1 s of user time at 3 GHz
    expect(dv.getBigUint64(32, true)).toBe(1234n);
    expect(dv.getBigUint64(64, true)).toBe(56n);
    expect(dv.getBigUint64(72, true)).toBe(7n);
  });
  it('encodes exit codes and deaths by signal as Linux does', () => {
    expect(exitStatus(1)).toBe(0x100);
    expect(exitStatus(256 + 3)).toBe(0x300);
    expect(signaledStatus(11, true)).toBe(0x8b);
    expect(signaledStatus(9, false)).toBe(9);
    expect(defaultAction(11)).toBe('core');
    expect(defaultAction(17)).toBe('ignore');
    expect(defaultAction(15)).toBe('term');
  });
});

describe('VFS path walk and descriptors', () => {
  it('resolves relative paths from a cwd, with . and ..', () => {
    const v = new Vfs();
    const d = v.mkdirs('/tmp/run');
    const f = v.createFile(d, 'F', null);
    expect(v.lookup(v.root, '/tmp/run/F')).toBe(f);
    expect(v.lookup(d, 'F')).toBe(f);
    expect(v.lookup(d, './../run/F')).toBe(f);
    expect(f.path()).toBe('/tmp/run/F');
    expect(v.lookup(d, 'G')).toBe(-2); // ENOENT
    expect(v.lookup(d, 'F/x')).toBe(-20); // ENOTDIR
    expect(v.lookup(d, 'a'.repeat(256))).toBe(-36); // ENAMETOOLONG
    v.unlink(d, 'F');
    expect(f.path()).toBe('/tmp/run/F (deleted)');
  });
  it('hands out the lowest free descriptor and shares descriptions across a fork copy', () => {
    const t = new FdTable();
    const a = new OpenFile({ type: 'stdin' }, 0, 1);
    const b = new OpenFile({ type: 'stdin' }, 0, 1);
    expect(t.install(a)).toBe(0);
    expect(t.install(b)).toBe(1);
    expect(t.close(0)).toBe(a);
    expect(t.install(b)).toBe(0);
    const c = t.clone();
    expect(c.get(1)).toBe(b);
    expect(t.close(5)).toBe(-9);
  });
});

describe('/proc/<pid>/status', () => {
  it('prints the fields in Linux order with the memory lines after Kthread', () => {
    const s = procPidStatus({
      comm: 'prog', state: 'R (running)', tgid: 2, pid: 2, ppid: 1, pgid: 2, threads: 1,
      sigPnd: [0, 0], shdPnd: [0, 0], sigBlk: [0x400, 0], sigIgn: [0, 0], sigCgt: [0, 1], fdSize: 64,
      voluntaryCtxt: 0, nonvoluntaryCtxt: 0, memLines: 'VmPeak:\t     100 kB\n', thpEnabled: false,
    });
    const lines = s.split('\n');
    expect(lines[0]).toBe('Name:\tprog');
    expect(lines.indexOf('VmPeak:\t     100 kB')).toBe(lines.indexOf('Kthread:\t0') + 1);
    expect(s).toContain('SigBlk:\t0000000000000400\n');
    expect(s).toContain('SigCgt:\t0000000100000000\n');
  });
});
