// Invalidation of TLBs and paging-structure caches, exactly as SDM Vol. 3A 4.10.4.1 lists it
// (and the control-register checks of the MOV to CR0/CR3/CR4 instructions, SDM Vol. 2B).
// Nothing else removes entries: after a page-table write without invalidation the stale
// translation stays in use while it is cached (4.10.4.3).
import { hiAddrMask } from '../pte.ts';
import type { TraceEvent } from '../trace.ts';
import type { Mmu } from './mmu.ts';
import {
  CR0_PG, CR3_HI_NOFLUSH, CR3_PCID_MASK, CR4_LA57, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_SMEP, EFER_LMA, currentPcid, isCanonicalHi,
} from './regs.ts';
import type { TlbArray } from './tlb.ts';

type Op = Extract<TraceEvent, { kind: 'tlb-invalidate' }>['op'];

export class Invalidator {
  constructor(private readonly mmu: Mmu) {}

  private tlbs(): TlbArray[] {
    const m = this.mmu;
    return [...m.l1i.arrays, ...m.l1d.arrays, ...m.l2.arrays];
  }

  private pscs(): TlbArray[] {
    return this.mmu.psc.filter((c): c is TlbArray => c !== null);
  }

  private trace(op: Op, detail: string, laLo?: number, laHi?: number, pcid?: number): void {
    const t = this.mmu.tracer;
    if (t === null) return;
    t.event({
      kind: 'tlb-invalidate', cycle: this.mmu.clock.now, cpu: this.mmu.cpuId, op, detail,
      ...(laLo !== undefined ? { la: (BigInt(laHi! >>> 0) << 32n) | BigInt(laLo >>> 0) } : {}),
      ...(pcid !== undefined ? { pcid } : {}),
    });
  }

  /** Everything, global entries and all PCIDs included. */
  flushAll(op: Op, detail: string): void {
    for (const t of this.tlbs()) t.flushAll();
    for (const c of this.pscs()) c.flushAll();
    this.trace(op, detail);
  }

  /** Non-global TLB entries and PSC entries of one PCID (MOV to CR3). */
  private flushPcid(pcid: number, andGlobal: boolean): void {
    for (const t of this.tlbs()) t.invalidatePcid(pcid, andGlobal);
    for (const c of this.pscs()) c.invalidatePcid(pcid, false);
  }

  /**
   * INVLPG: TLB entries for the page associated with the current PCID, global entries for the
   * page whatever their PCID, and all PSC entries of the current PCID. A no-op for a
   * non-canonical address.
   */
  invlpg(laLo: number, laHi: number): void {
    const m = this.mmu;
    if (!isCanonicalHi(laHi, (m.regs.cr4 & CR4_LA57) !== 0)) return;
    const pcid = currentPcid(m.regs);
    for (const t of this.tlbs()) t.invalidatePage(laLo, laHi, pcid, true);
    for (const c of this.pscs()) c.invalidatePcid(pcid, false);
    this.trace('invlpg', `INVLPG: page entries (PCID ${pcid} and global) and PCID ${pcid}'s paging-structure caches`, laLo, laHi, pcid);
  }

  /**
   * SDM 4.10.4.1: a #PF invalidates the TLB entries for the faulting page and the PSC entries
   * that would be used to translate it, so a fault caused by stale cached entries does not recur.
   */
  pageFault(laLo: number, laHi: number, pcid: number): void {
    for (const t of this.tlbs()) t.invalidatePage(laLo, laHi, pcid, true);
    for (const c of this.pscs()) c.invalidatePage(laLo, laHi, pcid, false);
  }

  /**
   * INVPCID (SDM Vol. 2B): 0 individual address (not global), 1 single context (not global),
   * 2 all contexts with globals, 3 all contexts except globals. False where it would #GP(0).
   */
  invpcid(type: number, pcid: number, laLo: number, laHi: number): boolean {
    const m = this.mmu;
    if (!(type >= 0 && type <= 3) || !Number.isInteger(pcid) || pcid < 0 || pcid > CR3_PCID_MASK) return false;
    if ((type === 0 || type === 1) && pcid !== 0 && (m.regs.cr4 & CR4_PCIDE) === 0) return false;
    switch (type) {
      case 0:
        if (!isCanonicalHi(laHi, (m.regs.cr4 & CR4_LA57) !== 0)) return false;
        for (const t of this.tlbs()) t.invalidatePage(laLo, laHi, pcid, false);
        for (const c of this.pscs()) c.invalidatePcid(pcid, false);
        this.trace('invpcid', `INVPCID type 0: PCID ${pcid}'s entries for the page, PCID ${pcid}'s paging-structure caches`, laLo, laHi, pcid);
        break;
      case 1:
        this.flushPcid(pcid, false);
        this.trace('invpcid', `INVPCID type 1: every non-global entry of PCID ${pcid}`, undefined, undefined, pcid);
        break;
      case 2:
        this.flushAll('invpcid', 'INVPCID type 2: every entry, globals included');
        break;
      case 3:
        for (const t of this.tlbs()) t.invalidateNonGlobal();
        for (const c of this.pscs()) c.flushAll();
        this.trace('invpcid', 'INVPCID type 3: every non-global entry of every PCID');
        break;
    }
    return true;
  }

  /**
   * MOV to CR3. Bits 62:MAXPHYADDR are reserved (#GP). With CR4.PCIDE = 0 bit 63 is reserved
   * too, and non-global entries of PCID 000H are invalidated; with PCIDE = 1 those of the new
   * PCID, unless bit 63 (no-flush) is set.
   */
  movToCr3(lo: number, hi: number): boolean {
    const m = this.mmu;
    const r = m.regs;
    const pcide = (r.cr4 & CR4_PCIDE) !== 0;
    const noFlush = pcide && (hi & CR3_HI_NOFLUSH) !== 0;
    const v = pcide ? hi & ~CR3_HI_NOFLUSH : hi;
    if ((v & ~hiAddrMask(m.phys.maxPhyAddr)) !== 0) return false;
    r.cr3Lo = lo >>> 0;
    r.cr3Hi = v >>> 0;
    const pcid = currentPcid(r);
    if (noFlush) {
      this.trace('mov-cr3', `MOV to CR3 with bit 63 set: switch to PCID ${pcid}, nothing invalidated`, undefined, undefined, pcid);
      return true;
    }
    this.flushPcid(pcid, false);
    this.trace('mov-cr3', `MOV to CR3: non-global entries of PCID ${pcid} invalidated`, undefined, undefined, pcid);
    return true;
  }

  /** MOV to CR4: a change of PGE, or PCIDE 1→0, flushes everything; PAE change or SMEP 0→1 the current PCID. */
  movToCr4(v: number): boolean {
    const m = this.mmu;
    const r = m.regs;
    const old = r.cr4;
    const changed = old ^ v;
    const longMode = (r.efer & EFER_LMA) !== 0;
    if ((v & CR4_PCIDE) !== 0 && (old & CR4_PCIDE) === 0 && ((r.cr3Lo & CR3_PCID_MASK) !== 0 || !longMode)) return false;
    if (longMode && ((changed & CR4_LA57) !== 0 || (v & CR4_PAE) === 0)) return false;
    const pcid = currentPcid(r);
    r.cr4 = v >>> 0;
    if ((changed & CR4_PGE) !== 0 || ((old & CR4_PCIDE) !== 0 && (v & CR4_PCIDE) === 0)) {
      this.flushAll('mov-cr4', 'MOV to CR4 changed PGE or cleared PCIDE: every entry invalidated');
    } else if ((changed & (CR4_PAE | CR4_LA57)) !== 0 || ((v & CR4_SMEP) !== 0 && (old & CR4_SMEP) === 0)) {
      this.flushPcid(pcid, true);
      this.trace('mov-cr4', `MOV to CR4 changed PAE or set SMEP: entries of PCID ${pcid} invalidated`, undefined, undefined, pcid);
    }
    return true;
  }

  /** MOV to CR0: clearing PG invalidates everything. (WP is checked at every use, so needs nothing.) */
  movToCr0(v: number): boolean {
    const r = this.mmu.regs;
    const old = r.cr0;
    r.cr0 = v >>> 0;
    if ((old & CR0_PG) !== 0 && (v & CR0_PG) === 0) this.flushAll('mov-cr0', 'MOV to CR0 cleared PG: every entry invalidated');
    return true;
  }
}
