// Whole programs on the bare machine: the core, the MMU and hand-built page tables together.
import { describe, expect, it } from 'vitest';
import { Bare, encode, PAGE, type Insn } from '../../harness/bare.ts';
import { VEC_AC, VEC_BP, VEC_DE, VEC_GP, VEC_PF, VEC_UD, EXIT_EXCEPTION, EXIT_NONE, EXIT_SYSCALL } from '../../../hw/cpu/cpu.ts';
import { PFEC_I, PFEC_P, PFEC_PK, PFEC_U, PFEC_W, RFLAGS_AC } from '../../../hw/mmu/regs.ts';
import { CYCLES_BY_CLASS, OP_BY_CODE } from '../../../hw/isa/opcodes.ts';

const CODE = 0x400000n;
const DATA = 0x600000n;
const SP = 15;

function bare(code: (Insn | string)[], opts: ConstructorParameters<typeof Bare>[0] = {}): Bare {
  const b = new Bare(opts);
  b.loadCode(CODE, code);
  b.setupStack();
  return b;
}

const exit = (reg: number): (Insn | string)[] => [['mov', 1, reg], ['li', 0, 0, 0, 60], ['syscall']];

describe('programs', () => {
  it('a loop summing an array of 1500 qwords (three data pages) exits with the sum', () => {
    const b = bare([
      ['li', 1, 0, 0, Number(DATA)], ['li', 2, 0, 0, 1500], ['li', 3, 0, 0, 0],
      'loop', ['ld64', 4, 1, 0, 0], ['add', 3, 3, 4], ['addi', 1, 1, 0, 8], ['addi', 2, 2, 0, -1], ['bnez', 0, 2, 0, 'loop'],
      ...exit(3),
    ]);
    b.mapRange(DATA, 1500n * 8n, { write: true });
    let sum = 0n;
    for (let i = 0n; i < 1500n; i++) {
      const v = i * 0x123456789n + (i << 40n);
      b.poke64(DATA + i * 8n, v);
      sum += v;
    }
    const r = b.run();
    expect(r).toEqual({ kind: 'exit', code: BigInt.asUintN(64, sum), stdout: '' });
    const st = b.cpu.stats();
    expect(st.loads).toBe(1500);
    expect(st.instructions).toBe(3 + 1500 * 5 + 3);
    expect(st.fetches).toBe(st.instructions);
    expect(st.cycles).toBe(b.m.clock.now);
    // Every fetch is an iTLB access; the code page misses once. 1500 loads touch 3 data pages (one miss each).
    expect(st.tlb.l1i.hits + st.tlb.l1i.misses).toBe(st.fetches);
    expect(st.tlb.l1i.misses).toBe(1);
    expect(st.tlb.l1d).toEqual({ hits: 1497, misses: 3 });
    expect(st.walks).toBe(4);
  });

  it('recursion 3000 deep uses six stack pages and unwinds sp exactly', () => {
    // f(n) = n == 0 ? 0 : n + f(n - 1); each level pushes a return address and n (16 bytes).
    const b = new Bare();
    b.loadCode(CODE, [
      ['li', 1, 0, 0, 3000], ['call', 0, 0, 0, 'f'], ...exit(0),
      'f', ['bnez', 0, 1, 0, 'rec'], ['li', 0, 0, 0, 0], ['ret'],
      'rec', ['push', 0, 1], ['addi', 1, 1, 0, -1], ['call', 0, 0, 0, 'f'], ['pop', 1], ['add', 0, 0, 1], ['ret'],
    ]);
    const top = 0x7ffffffff000n;
    b.setupStack(top, 13);
    const r = b.run();
    expect(r).toEqual({ kind: 'exit', code: 3000n * 3001n / 2n, stdout: '' });
    expect(b.reg(SP)).toBe(top);
    // 3001 calls and 3000 pushes; the deepest frame is 3000 * 16 + 8 bytes below the top (12 pages).
    expect(b.cpu.counters.stores).toBe(3001 + 3000);
  });

  it('write(1, buf, n) and exit_group(code): the harness services syscall with pc advanced', () => {
    const b = bare([
      ['li', 0, 0, 0, 1], ['li', 1, 0, 0, 1], ['li', 2, 0, 0, Number(DATA)], ['li', 3, 0, 0, 6], ['syscall'],
      ['mov', 1, 0], ['li', 0, 0, 0, 231], ['syscall'],
    ]);
    b.mapRange(DATA, 6n, {});
    b.poke(DATA, new TextEncoder().encode('hello\n'));
    expect(b.run()).toEqual({ kind: 'exit', code: 6n, stdout: 'hello\n' });
    expect(b.pc).toBe(CODE + 8n * 8n);
  });
});

describe('exceptions: a faulting instruction has not executed (pc = its address)', () => {
  it('a jump into a page mapped without execute permission is an instruction-fetch #PF (P|U|I, CR2 = target)', () => {
    const b = bare([['li', 1, 0, 0, 7], ['jmp', 0, 0, 0, 0x1000 - 8]]);
    b.map(CODE + PAGE, { exec: false }); // readable, not executable (XD)
    b.poke(CODE + PAGE, encode([['li', 1, 0, 0, 99]]));
    const r = b.run();
    expect(r).toMatchObject({ kind: 'exception', vector: VEC_PF, errorCode: PFEC_P | PFEC_U | PFEC_I, cr2: CODE + PAGE, pc: CODE + PAGE });
    expect(b.pc).toBe(CODE + PAGE);
    expect(b.reg(1)).toBe(7n);
    expect(b.mmu.regs.cr2Lo).toBe(Number(CODE + PAGE));
  });

  it('a fetch from an unmapped page is #PF with U|I and P clear', () => {
    const b = bare([['jmp', 0, 0, 0, 0x3000]]);
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_U | PFEC_I, cr2: CODE + 0x3000n });
  });

  it('opcode 0 (zero-filled memory) and unknown opcodes raise #UD at the instruction', () => {
    const b = bare([['li', 1, 0, 0, 5], ['nop']]);
    // The rest of the code page is zero: running off the end of the code hits opcode 0x00.
    expect(b.run()).toMatchObject({ kind: 'exception', vector: VEC_UD, errorCode: 0, pc: CODE + 16n });
    for (const op of [0x0e, 0x10, 0x12, 0x23, 0x3a, 0x45, 0x52, 0x64, 0xff]) {
      const c = bare([[op, 1, 2, 3, 4]]);
      expect(c.run()).toMatchObject({ vector: VEC_UD, pc: CODE });
    }
  });

  it('every opcode byte in the opcode table executes and every other byte raises #UD', () => {
    for (let op = 0; op < 256; op++) {
      const b = bare([['li', 1, 0, 0, Number(DATA)], ['li', 2, 0, 0, 1], [op, 3, 1, 2, 8]]);
      b.map(DATA, { write: true });
      b.cpu.stepInstruction();
      b.cpu.stepInstruction();
      const r = b.cpu.stepInstruction();
      const ud = r === EXIT_EXCEPTION && b.cpu.exc.vector === VEC_UD;
      expect(ud, `opcode 0x${op.toString(16)}`).toBe(OP_BY_CODE[op] === undefined);
    }
  });

  it('non-zero reserved bits (byte 2 bits 7:4, byte 3) raise #UD; the instruction does not execute', () => {
    for (const [byte, v] of [[2, 0x10], [2, 0x80], [3, 0x01], [3, 0x80]]) {
      const code = encode([['li', 1, 0, 0, 42]]);
      code[byte] |= v;
      const b = new Bare();
      b.loadCode(CODE, code);
      expect(b.run()).toMatchObject({ vector: VEC_UD, pc: CODE });
      expect(b.reg(1)).toBe(0n);
    }
  });

  it('divu and remu by zero raise #DE at the instruction and leave rd unchanged', () => {
    for (const op of ['divu', 'remu']) {
      const b = bare([['li', 1, 0, 0, 10], ['li', 4, 0, 0, 77], ['lih', 2, 0, 0, 0], [op, 4, 1, 2]]);
      expect(b.run()).toMatchObject({ vector: VEC_DE, pc: CODE + 24n });
      expect(b.reg(4)).toBe(77n);
    }
  });

  it('a jump to a misaligned address raises #AC (17) reported at the target', () => {
    const b = bare([['li', 1, 0, 0, Number(CODE) + 12], ['jr', 0, 1]]);
    expect(b.run()).toMatchObject({ vector: VEC_AC, pc: CODE + 12n, cr2: CODE + 12n });
    const c = bare([['nop'], ['beq', 0, 0, 0, 4]]);
    expect(c.run()).toMatchObject({ vector: VEC_AC, pc: CODE + 12n });
    const d = bare([['call', 0, 0, 0, 6]]);
    expect(d.run()).toMatchObject({ vector: VEC_AC, pc: CODE + 6n });
    expect(d.reg(SP)).toBe(0x7ffffffff000n - 8n); // the call itself completed
  });

  it('a non-canonical pc or data address raises #GP(0)', () => {
    const b = bare([['li', 1, 0, 0, 1], ['shli', 1, 1, 0, 47], ['jr', 0, 1]]);
    expect(b.run()).toMatchObject({ vector: VEC_GP, errorCode: 0, pc: 1n << 47n });
    const c = bare([['li', 1, 0, 0, 1], ['shli', 1, 1, 0, 63], ['ld8', 2, 1, 0, 0]]);
    expect(c.run()).toMatchObject({ vector: VEC_GP, errorCode: 0, pc: CODE + 16n });
  });

  it('trap raises #BP with pc past the trap; syscall exits with pc advanced', () => {
    const b = bare([['nop'], ['trap'], ['nop']]);
    expect(b.run()).toMatchObject({ vector: VEC_BP, pc: CODE + 8n });
    expect(b.pc).toBe(CODE + 16n);
    expect(b.cpu.counters.instructions).toBe(2);
    const c = bare([['syscall']]);
    expect(c.cpu.run(1e9)).toBe(EXIT_SYSCALL);
    expect(c.pc).toBe(CODE + 8n);
  });

  it('resuming after the handler maps the page restarts the faulting store, which then completes', () => {
    const b = bare([['li', 1, 0, 0, Number(DATA)], ['li', 2, 0, 0, 0x5a], ['st64', 0, 1, 2, 16], ['ld64', 3, 1, 0, 16], ...exit(3)]);
    const faults: bigint[] = [];
    b.onException = (h, e) => {
      faults.push(BigInt(e.cr2Lo));
      expect(e.errorCode).toBe(PFEC_W | PFEC_U);
      h.map(DATA, { write: true });
      return true;
    };
    expect(b.run()).toMatchObject({ kind: 'exit', code: 0x5an });
    expect(faults).toEqual([DATA + 16n]);
    expect(b.cpu.counters.pageFaults).toBe(1);
  });
});

describe('memory accesses', () => {
  it('straddling loads and stores are translated page by page and move the right bytes', () => {
    const b = bare([
      ['li', 1, 0, 0, Number(DATA + PAGE - 3n)], ['li', 2, 0, 0, 0x44332211], ['lih', 2, 0, 0, 0x88776655 | 0],
      ['st64', 0, 1, 2, 0], ['ld64', 3, 1, 0, 0], ['ld32', 4, 1, 0, 1], ['ld16', 5, 1, 0, 2], ['st16', 0, 1, 2, 2], ['ld8', 6, 1, 0, 3],
      ...exit(3),
    ]);
    b.mapRange(DATA, 2n * PAGE, { write: true });
    expect(b.run()).toMatchObject({ kind: 'exit', code: 0x8877665544332211n });
    expect(b.reg(4)).toBe(0x55443322n);
    expect(b.reg(5)).toBe(0x4433n);
    expect(b.reg(6)).toBe(0x22n);
    expect([...b.peek(DATA + PAGE - 3n, 8)]).toEqual([0x11, 0x22, 0x11, 0x22, 0x55, 0x66, 0x77, 0x88]);
  });

  it('a straddling store whose second page faults writes no byte; CR2 = first byte in the faulting page', () => {
    const b = bare([['li', 1, 0, 0, Number(DATA + PAGE - 4n)], ['li', 2, 0, 0, -1], ['st64', 0, 1, 2, 0]]);
    b.map(DATA, { write: true });
    b.poke(DATA + PAGE - 4n, new Uint8Array([1, 2, 3, 4]));
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_W | PFEC_U, cr2: DATA + PAGE, pc: CODE + 16n });
    expect([...b.peek(DATA + PAGE - 4n, 4)]).toEqual([1, 2, 3, 4]);
  });

  it('a straddling store whose first page is read-only faults at its first byte (P|W|U)', () => {
    const b = bare([['li', 1, 0, 0, Number(DATA + PAGE - 2n)], ['li', 2, 0, 0, -1], ['st32', 0, 1, 2, 0]]);
    b.map(DATA, {});
    b.map(DATA + PAGE, { write: true });
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_P | PFEC_W | PFEC_U, cr2: DATA + PAGE - 2n });
    expect([...b.peek(DATA + PAGE, 2)]).toEqual([0, 0]);
  });

  it('xchg swaps memory and register; xadd adds and returns the old value (rd = rt allowed)', () => {
    const b = bare([
      ['li', 1, 0, 0, Number(DATA)], ['li', 2, 0, 0, 5], ['xchg', 3, 1, 2, 8], ['li', 4, 0, 0, -1], ['xadd', 5, 1, 4, 8],
      ['li', 6, 0, 0, 10], ['xadd', 6, 1, 6, 8], ...exit(3),
    ]);
    b.map(DATA, { write: true });
    b.poke64(DATA + 8n, 0x1122334455667788n);
    expect(b.run()).toMatchObject({ kind: 'exit', code: 0x1122334455667788n });
    expect(b.reg(5)).toBe(5n);
    expect(b.reg(6)).toBe(4n);
    expect(b.peek64(DATA + 8n)).toBe(14n);
    expect(b.cpu.counters.loads).toBe(3);
    expect(b.cpu.counters.stores).toBe(3);
  });

  it('xchg on a read-only page faults as a write and changes nothing', () => {
    const b = bare([['li', 1, 0, 0, Number(DATA)], ['li', 2, 0, 0, 5], ['xchg', 3, 1, 2, 0]]);
    b.map(DATA, {});
    b.poke64(DATA, 9n);
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_P | PFEC_W | PFEC_U, cr2: DATA });
    expect(b.reg(3)).toBe(0n);
    expect(b.peek64(DATA)).toBe(9n);
  });

  it('push/pop/call/ret are translated stack accesses: a push below the stack faults as a user write', () => {
    const b = new Bare();
    b.loadCode(CODE, [['li', 1, 0, 0, 3], ['push', 0, 1], ['push', 0, 1]]);
    b.setupStack(0x7ffffffff000n, 1);
    b.setReg(SP, 0x7fffffffe008n);
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_W | PFEC_U, cr2: 0x7fffffffdff8n, pc: CODE + 16n });
    expect(b.reg(SP)).toBe(0x7fffffffe000n);
    expect(b.peek64(0x7fffffffe000n)).toBe(3n);
  });

  it('frames the kernel zeroes, copies or frees under the core are read afresh (PhysMem.generation)', () => {
    const b = bare([['li', 1, 0, 0, Number(DATA)], ['ld64', 2, 1, 0, 0], ['st64', 0, 1, 2, 8], ['syscall']]);
    const frame = b.map(DATA, { write: true });
    b.poke64(DATA, 5n);
    const again = () => {
      b.setPc(CODE);
      expect(b.cpu.run(1e9)).toBe(EXIT_SYSCALL);
      return [b.reg(2), b.peek64(DATA + 8n)];
    };
    expect(again()).toEqual([5n, 5n]);
    b.phys.zeroFrame(frame / 4096);
    expect(again()).toEqual([0n, 0n]);
    const other = b.allocFrame();
    b.phys.write64(other, 9, 0);
    b.phys.copyFrame(frame / 4096, other / 4096);
    expect(again()).toEqual([9n, 9n]);
    b.phys.releaseFrame(frame / 4096);
    b.phys.write64(frame, 3, 0); // reallocated backing array
    expect(again()).toEqual([3n, 3n]);
  });

  it('stores into the code page are seen by later fetches (no stale decoded copy)', () => {
    const b = bare([
      ['li', 1, 0, 0, Number(CODE)], ['li', 2, 0, 0, 0x20 | (5 << 8)], ['st32', 0, 1, 2, 32], ['nop'], ['li', 6, 0, 0, 123],
      ...exit(5),
    ]);
    b.map(CODE, { exec: true, write: true });
    // The store turns instruction 4 (li r6, 123) into li r5, 123 after the code page was fetched from.
    expect(b.run()).toMatchObject({ kind: 'exit', code: 123n });
    expect(b.reg(6)).toBe(0n);
  });
});

describe('privilege: fetches and data accesses run at the current CPL', () => {
  it('SMEP: a CPL-0 fetch from a user page faults (P|I, U clear)', () => {
    const b = bare([['nop']], { cpl: 0, smep: true });
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_P | PFEC_I, cr2: CODE });
  });

  it('SMAP: a CPL-0 load from a user page faults unless RFLAGS.AC is set', () => {
    const code: (Insn | string)[] = [['li', 1, 0, 0, Number(DATA)], ['ld64', 2, 1, 0, 0], ...exit(2)];
    const b = new Bare({ cpl: 0, smap: true });
    b.loadCode(CODE, code, { exec: true, user: false });
    b.map(DATA, {});
    b.poke64(DATA, 77n);
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_P, cr2: DATA });
    b.mmu.regs.rflags |= RFLAGS_AC;
    expect(b.run()).toMatchObject({ kind: 'exit', code: 77n });
  });

  it('a user fetch of a supervisor page faults (P|U|I)', () => {
    const b = new Bare();
    b.loadCode(CODE, [['nop']], { exec: true, user: false });
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_P | PFEC_U | PFEC_I });
  });

  it('PKU: a user store to a page whose key has write-disable set faults with PK', () => {
    const b = bare([['li', 1, 0, 0, Number(DATA)], ['ld8', 2, 1, 0, 0], ['st8', 0, 1, 2, 0]], { pke: true });
    b.map(DATA, { write: true, pkey: 3 });
    b.mmu.regs.pkru = 2 << (2 * 3); // WD for key 3
    expect(b.run()).toMatchObject({ vector: VEC_PF, errorCode: PFEC_P | PFEC_W | PFEC_U | PFEC_PK, pc: CODE + 16n });
  });
});

describe('cycle accounting', () => {
  it('each instruction costs its class cycles plus the MMU cycles of its translations', () => {
    const n = 64;
    const body: (Insn | string)[] = [];
    for (let i = 0; i < n; i++) body.push(['nop']);
    const b = bare([...body, ['syscall']]);
    // Warm the iTLB with a first run, then measure a second pass over the same page.
    expect(b.cpu.run(1e9)).toBe(EXIT_SYSCALL);
    b.setPc(CODE);
    const c0 = b.m.clock.now;
    const hits0 = b.mmu.stats.l1i.hits;
    expect(b.cpu.run(1e9)).toBe(EXIT_SYSCALL);
    const l1 = b.mmu.config.latency.l1Tlb;
    expect(b.m.clock.now - c0).toBe(n * (CYCLES_BY_CLASS.nop + l1) + CYCLES_BY_CLASS.system + l1);
    expect(b.mmu.stats.l1i.hits - hits0).toBe(n + 1); // every fetch is an iTLB access
  });

  it('rdcycle reads the clock at the start of its execute stage', () => {
    const b = bare([['rdcycle', 1], ['rdcycle', 2], ['syscall']]);
    b.cpu.run(1e9);
    b.setPc(CODE);
    expect(b.cpu.run(1e9)).toBe(EXIT_SYSCALL);
    const l1 = b.mmu.config.latency.l1Tlb;
    expect(b.reg(2) - b.reg(1)).toBe(BigInt(CYCLES_BY_CLASS.rdcycle + l1));
  });

  it('run(untilCycle) stops at the first instruction boundary at or after untilCycle', () => {
    const b = bare(['top', ['addi', 1, 1, 0, 1], ['jmp', 0, 0, 0, 'top']]);
    expect(b.cpu.run(1000)).not.toBe(EXIT_EXCEPTION);
    expect(b.m.clock.now).toBeGreaterThanOrEqual(1000);
    expect(b.m.clock.now).toBeLessThan(1000 + 40);
    expect(b.cpu.stepInstruction()).toBe(EXIT_NONE);
  });
});
