// Test helper: a KernelMm on a real PhysMem + MMU, and user-mode accesses that go through the MMU
// and take page faults into handleMmFault as the kernel's exception path does.
import { PhysMem } from '../../../hw/mem/phys-mem.ts';
import { Clock } from '../../../hw/clock.ts';
import { Mmu, ACC_READ, ACC_WRITE } from '../../../hw/mmu/mmu.ts';
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PCIDE, CR4_SMEP, CR4_SMAP, EFER_LME, EFER_LMA, EFER_NXE, VEC_PF } from '../../../hw/mmu/regs.ts';
import { KernelMm, type Mm, switchMm, handleMmFault, archPickMmapLayout, doMmap, type FaultAcct, type VmFile, AddressSpace } from '../../../kernel/mm/index.ts';
import { PROT, MAP } from '../../../kernel/uapi/constants.ts';

export const RW = PROT.PROT_READ | PROT.PROT_WRITE;
export const PRIV_ANON = MAP.MAP_PRIVATE | MAP.MAP_ANONYMOUS;

export class Sim {
  readonly phys: PhysMem;
  readonly clock = new Clock();
  readonly mmu: Mmu;
  readonly kmm: KernelMm;
  mm: Mm;
  acct: FaultAcct = { minFlt: 0, majFlt: 0 };
  /** Signal and si_code of the last failed access. */
  sig = 0;
  code = 0;

  constructor(opts: { memoryBytes?: number; aslr?: 0 | 1 | 2; seed?: number } = {}) {
    this.phys = new PhysMem(46);
    this.mmu = new Mmu(this.phys, this.clock);
    const r = this.mmu.regs;
    r.efer = EFER_LME | EFER_LMA | EFER_NXE;
    this.mmu.movToCr4(CR4_PAE | CR4_PGE);
    this.kmm = new KernelMm({ phys: this.phys, memoryBytes: opts.memoryBytes ?? 64 * 1024 * 1024, mmus: [this.mmu], seed: opts.seed ?? 7, randomizeVaSpace: opts.aslr ?? 0 });
    this.mmu.movToCr0((CR0_PG | CR0_WP | 1) >>> 0);
    this.mmu.movToCr4(CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP);
    this.mm = this.newProcess();
  }

  newProcess(): Mm {
    const mm = this.kmm.newMm()!;
    archPickMmapLayout(this.kmm, mm);
    return mm;
  }

  /** Context switch to `mm` with its own fault counters. */
  use(mm: Mm, acct: FaultAcct = { minFlt: 0, majFlt: 0 }): void {
    this.mm = mm;
    this.acct = acct;
    switchMm(this.kmm, 0, mm);
  }

  /** One user-mode access of `size` bytes; the physical address, or -1 with this.sig/this.code set. */
  access(addr: number, write: boolean, size = 1): number {
    const r = this.mmu.regs;
    r.cpl = 3;
    switchMm(this.kmm, 0, this.mm);
    for (let tries = 0; tries < 4; tries++) {
      const pa = this.mmu.translate(addr >>> 0, Math.floor(addr / 2 ** 32) >>> 0, write ? ACC_WRITE : ACC_READ, size);
      if (pa >= 0) return pa;
      if (this.mmu.faultVector !== VEC_PF) throw new Error(`vector ${this.mmu.faultVector}`);
      const cr2 = r.cr2Hi * 2 ** 32 + r.cr2Lo;
      const s = handleMmFault(this.kmm, this.mm, cr2, this.mmu.faultErrorCode, this.acct);
      if (s !== 0) {
        this.sig = s;
        this.code = this.kmm.fault.siCode;
        return -1;
      }
    }
    throw new Error('fault loop');
  }

  read8(addr: number): number {
    const pa = this.access(addr, false);
    return pa < 0 ? -1 : this.phys.read8(pa);
  }

  write8(addr: number, v: number): boolean {
    const pa = this.access(addr, true);
    if (pa < 0) return false;
    this.phys.write8(pa, v);
    return true;
  }

  /** Faults taken since the last call. */
  faults(): [number, number] {
    const r: [number, number] = [this.acct.minFlt, this.acct.majFlt];
    this.acct.minFlt = 0;
    this.acct.majFlt = 0;
    return r;
  }

  mmap(addr: number, len: number, prot: number, flags: number, file: VmFile | null = null, off = 0): number {
    return doMmap(this.kmm, this.mm, file, addr, len, prot, flags, off / 4096, this.acct);
  }

  /** A regular file with `size` bytes written through the page cache (dirty), like the scenarios' files. */
  file(size: number, opts: { writable?: boolean; ino?: number } = {}): VmFile {
    const as = new AddressSpace(this.kmm, { ino: opts.ino ?? 12, devMajor: 254, devMinor: 1 });
    const data = new Uint8Array(size);
    const dv = new DataView(data.buffer);
    for (let o = 0; o + 8 <= size; o += 8) dv.setBigUint64(o, (0xf001n << 48n) | BigInt(o), true);
    as.write(0, data);
    return { mapping: as, path: '/tmp/F', readable: true, writable: opts.writable ?? true };
  }
}
