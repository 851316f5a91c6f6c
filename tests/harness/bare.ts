// A bare-machine harness: 4-level page tables built by hand in PhysMem, a program (ELF or raw
// instruction words) in mapped pages, a user stack, and just enough of a "kernel" to service
// exit (60, 231) and write (1). It lets the core, the MMU and the toolchain be tested together
// before the real kernel exists. Test-only code: addresses are bigint here.
import { Machine, type MachineOptions } from '../../hw/machine.ts';
import { EXIT_BUDGET, EXIT_EXCEPTION, EXIT_SYSCALL, type CpuException } from '../../hw/cpu/cpu.ts';
import { PTE_P, PTE_RW, PTE_US, PTE_HI_XD, PTE_HI_PK_SHIFT, makePte, pteAddr } from '../../hw/pte.ts';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_SMEP, CR4_SMAP, CR4_PKE, EFER_LME, EFER_LMA, EFER_NXE } from '../../hw/mmu/regs.ts';
import { encodeInsn, INSN_SIZE, OP } from '../../hw/isa/opcodes.ts';
import { parseElf, checkT64Executable, PF_W, PF_X } from '../../kernel/uapi/elf.ts';

export const PAGE = 4096n;
const CR0_PE = 1;

export interface PageFlags {
  write?: boolean;
  /** User-accessible (U/S = 1). Default true. */
  user?: boolean;
  /** Executable (XD clear). Default false. */
  exec?: boolean;
  /** Protection key (bits 62:59). */
  pkey?: number;
}

export interface BareOptions {
  machine?: Partial<MachineOptions>;
  /** CPL the program runs at. Default 3. */
  cpl?: number;
  smep?: boolean;
  smap?: boolean;
  pke?: boolean;
}

export type BareResult =
  | { kind: 'exit'; code: bigint; stdout: string }
  | { kind: 'exception'; vector: number; errorCode: number; cr2: bigint; pc: bigint; stdout: string }
  | { kind: 'budget'; stdout: string };

/**
 * One instruction word: [opcode or mnemonic, rd, rs, rt, imm]. imm may name a label (a string
 * item of the list) for branch/call targets: imm = label address - instruction address.
 */
export type Insn = [op: number | string, rd?: number, rs?: number, rt?: number, imm?: number | string];

/** Encode instructions (mnemonics from the opcode table; string items define labels) into bytes. */
export function encode(items: (Insn | string)[]): Uint8Array {
  const labels = new Map<string, number>();
  let n = 0;
  for (const it of items) {
    if (typeof it === 'string') labels.set(it, n);
    else n++;
  }
  const out = new Uint8Array(n * INSN_SIZE);
  let i = 0;
  for (const it of items) {
    if (typeof it === 'string') continue;
    const [op, rd = 0, rs = 0, rt = 0, imm = 0] = it;
    const code = typeof op === 'string' ? OP[op] : op;
    if (code === undefined) throw new Error(`unknown mnemonic ${String(op)}`);
    let v: number;
    if (typeof imm === 'string') {
      const at = labels.get(imm);
      if (at === undefined) throw new Error(`unknown label ${imm}`);
      v = (at - i) * INSN_SIZE;
    } else v = imm;
    encodeInsn(out, i * INSN_SIZE, code, rd, rs, rt, v);
    i++;
  }
  return out;
}

export const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const lo32 = (v: bigint) => Number(BigInt.asUintN(64, v) & 0xffffffffn);
const hi32 = (v: bigint) => Number(BigInt.asUintN(64, v) >> 32n);

export class Bare {
  readonly m: Machine;
  readonly stdout: number[] = [];
  /** Virtual page number → physical address of the frame mapped there. */
  readonly pages = new Map<bigint, number>();
  exitCode: bigint | null = null;
  private nextFrame = 0x1000; // physical frames handed out from 16 MiB up
  readonly pml4: number;
  /** Called on an exception; return true to resume the core (after fixing what faulted). */
  onException: ((b: Bare, e: CpuException) => boolean) | null = null;

  constructor(opts: BareOptions = {}) {
    this.m = new Machine(opts.machine ?? {});
    const mmu = this.m.mmu;
    this.pml4 = this.allocFrame();
    mmu.regs.efer = EFER_LME | EFER_LMA | EFER_NXE;
    mmu.movToCr4(CR4_PAE | (opts.smep ? CR4_SMEP : 0) | (opts.smap ? CR4_SMAP : 0) | (opts.pke ? CR4_PKE : 0));
    mmu.movToCr3(this.pml4, 0);
    mmu.movToCr0(CR0_PG | CR0_WP | CR0_PE);
    mmu.regs.cpl = opts.cpl ?? 3;
  }

  get cpu() {
    return this.m.cpu;
  }
  get mmu() {
    return this.m.mmu;
  }
  get phys() {
    return this.m.phys;
  }

  allocFrame(): number {
    return this.nextFrame++ * 4096;
  }

  /** The entry address at `level` (4 = PML4E … 1 = PTE) for va, creating tables on the way. */
  private entryAddr(va: bigint, level: number): number {
    let table = this.pml4;
    for (let l = 4; l > level; l--) {
      const ea = table + Number((va >> BigInt(12 + 9 * (l - 1))) & 511n) * 8;
      let lo = this.phys.read32(ea), hi = this.phys.read32(ea + 4);
      if ((lo & PTE_P) === 0) {
        const t = makePte(this.allocFrame(), PTE_P | PTE_RW | PTE_US);
        this.phys.write64(ea, t.lo, t.hi);
        lo = t.lo;
        hi = t.hi;
      }
      table = pteAddr(lo, hi);
    }
    return table + Number((va >> BigInt(12 + 9 * (level - 1))) & 511n) * 8;
  }

  /** Map the 4 KiB page containing va (to a new zeroed frame unless pa is given). Returns the frame's address. */
  map(va: bigint, flags: PageFlags = {}, pa?: number): number {
    const frame = pa ?? this.pages.get(va / PAGE) ?? this.allocFrame();
    const lo = PTE_P | (flags.write ? PTE_RW : 0) | (flags.user === false ? 0 : PTE_US);
    const hi = (flags.exec ? 0 : PTE_HI_XD) | ((flags.pkey ?? 0) << PTE_HI_PK_SHIFT);
    const e = makePte(frame, lo, hi);
    this.phys.write64(this.entryAddr(va, 1), e.lo, e.hi);
    this.pages.set(va / PAGE, frame);
    this.mmu.invlpg(lo32(va), hi32(va));
    return frame;
  }

  /** Map every page of [va, va + len). */
  mapRange(va: bigint, len: bigint, flags: PageFlags = {}): void {
    for (let p = va - (va % PAGE); p < va + len; p += PAGE) this.map(p, flags);
  }

  /** Clear the PTE of the page containing va (and invalidate its TLB entries). */
  unmap(va: bigint): void {
    this.phys.write64(this.entryAddr(va, 1), 0, 0);
    this.pages.delete(va / PAGE);
    this.mmu.invlpg(lo32(va), hi32(va));
  }

  private paOf(va: bigint): number {
    const f = this.pages.get(va / PAGE);
    if (f === undefined) throw new Error(`harness: 0x${va.toString(16)} is not mapped`);
    return f + Number(va % PAGE);
  }

  /** Write bytes at va through the harness's own page map (no MMU, no TLB effects). */
  poke(va: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.phys.write8(this.paOf(va + BigInt(i)), data[i]);
  }

  peek(va: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.phys.read8(this.paOf(va + BigInt(i)));
    return out;
  }

  peek64(va: bigint): bigint {
    const b = this.peek(va, 8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  poke64(va: bigint, v: bigint): void {
    const b = new Uint8Array(8);
    for (let i = 0; i < 8; i++) b[i] = Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn);
    this.poke(va, b);
  }

  /** Map pages for raw code at va (r-x unless flags say otherwise), copy it there, and point pc at it. */
  loadCode(va: bigint, code: Uint8Array | (Insn | string)[], flags: PageFlags = { exec: true }): void {
    const bytes = code instanceof Uint8Array ? code : encode(code);
    this.mapRange(va, BigInt(Math.max(bytes.length, 1)), flags);
    this.poke(va, bytes);
    this.setPc(va);
  }

  /** Load an ELF executable as binfmt_elf lays it out (one mapping per PT_LOAD, bss zero). Returns the entry. */
  loadElf(elf: Uint8Array, fileName = 'a.out'): bigint {
    const f = parseElf(elf, fileName);
    checkT64Executable(f, fileName);
    for (const ph of f.loads) {
      const start = BigInt(ph.vaddr);
      this.mapRange(start, BigInt(Math.max(ph.memsz, 1)), { write: (ph.flags & PF_W) !== 0, exec: (ph.flags & PF_X) !== 0 });
      this.poke(start, elf.subarray(ph.offset, ph.offset + ph.filesz));
    }
    const entry = BigInt(f.header.entry);
    this.setPc(entry);
    return entry;
  }

  /**
   * Map `pages` writable pages below `top` and set sp. With `argv`, lay out the program-start state
   * of docs/t64.md: the strings at the top, below them the argv array (argc pointers and a NULL),
   * sp 16-byte aligned below that, r1 = argc, r2 = argv. Without, sp = top.
   */
  setupStack(top: bigint = 0x7ffffffff000n, pages = 4, argv?: string[]): void {
    this.mapRange(top - BigInt(pages) * PAGE, BigInt(pages) * PAGE, { write: true });
    if (argv === undefined) {
      this.setReg(15, top);
      return;
    }
    let p = top;
    const ptrs: bigint[] = [];
    for (const a of argv) {
      const bytes = new TextEncoder().encode(a + '\0');
      p -= BigInt(bytes.length);
      this.poke(p, bytes);
      ptrs.push(p);
    }
    p -= p % 8n;
    const arr = p - BigInt(8 * (argv.length + 1));
    ptrs.forEach((v, i) => this.poke64(arr + BigInt(8 * i), v));
    this.poke64(arr + BigInt(8 * argv.length), 0n);
    this.setReg(1, BigInt(argv.length));
    this.setReg(2, arr);
    this.setReg(15, arr - (arr % 16n));
  }

  setPc(va: bigint): void {
    this.cpu.pcLo = lo32(va);
    this.cpu.pcHi = hi32(va);
  }
  get pc(): bigint {
    return u64(this.cpu.pcLo, this.cpu.pcHi);
  }
  setReg(r: number, v: bigint): void {
    this.cpu.regLo[r] = lo32(v);
    this.cpu.regHi[r] = hi32(v);
  }
  reg(r: number): bigint {
    return u64(this.cpu.regLo[r], this.cpu.regHi[r]);
  }

  /** Run until exit, an unhandled exception, or `maxCycles` more cycles. */
  run(maxCycles = 50_000_000): BareResult {
    const until = this.m.clock.now + maxCycles;
    const text = () => new TextDecoder().decode(new Uint8Array(this.stdout));
    for (;;) {
      const r = this.cpu.run(until);
      if (r === EXIT_BUDGET) return { kind: 'budget', stdout: text() };
      if (r === EXIT_EXCEPTION) {
        const e = this.cpu.exc;
        if (this.onException?.(this, e)) continue;
        return { kind: 'exception', vector: e.vector, errorCode: e.errorCode, cr2: u64(e.cr2Lo, e.cr2Hi), pc: u64(e.pcLo, e.pcHi), stdout: text() };
      }
      if (r === EXIT_SYSCALL && this.syscall()) return { kind: 'exit', code: this.exitCode ?? 0n, stdout: text() };
    }
  }

  /** Services one system call; true when the program exited. */
  private syscall(): boolean {
    const nr = this.reg(0);
    if (nr === 60n || nr === 231n) {
      this.exitCode = this.reg(1);
      return true;
    }
    if (nr === 1n) {
      const buf = this.reg(2), count = Number(this.reg(3));
      for (const b of this.peek(buf, count)) this.stdout.push(b);
      this.setReg(0, BigInt(count));
      return false;
    }
    this.setReg(0, -38n); // -ENOSYS
    return false;
  }
}
