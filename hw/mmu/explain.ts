// `explain`: runs one translation on the MMU cycle by cycle and tells what happened, step by
// step: TLB lookups, paging-structure-cache hits, each entry read (address, raw value, decoded
// bits), the access-rights rules of SDM 4.6 applied at the end, and the outcome with its reason.
// It drives the real machine (begin/tick with a tracer attached), so what it shows is what
// translate() does, side effects included (A/D flags, TLB fills).
import { PTE_A, PTE_D, PTE_G, PTE_P, PTE_PCD, PTE_PS, PTE_PWT, PTE_RW, PTE_US, LEVEL_NAMES, pteAddr } from '../pte.ts';
import type { TraceEvent } from '../trace.ts';
import { ACC_FETCH, ACC_WRITE, ACCESS_NAMES } from './access.ts';
import type { Mmu } from './mmu.ts';
import {
  CR0_PG, CR0_WP, CR4_LA57, CR4_PCIDE, CR4_PGE, CR4_PKE, CR4_SMAP, CR4_SMEP, EFER_NXE, PFEC_I, PFEC_P, PFEC_PK, PFEC_RSVD,
  PFEC_U, PFEC_W, RFLAGS_AC, VEC_GP, currentPcid, type MmuRegs,
} from './regs.ts';
import { ATTR_PK_SHIFT, ATTR_RW, ATTR_US, ATTR_XD } from './tlb.ts';
import { LARGE_RSVD_LO, reservedHiMask } from './walk.ts';

export type ExplainStep =
  | { kind: 'tlb'; piece: number; structure: 'L1 iTLB' | 'L1 dTLB' | 'STLB'; hit: boolean; cycles: number; text: string }
  | { kind: 'psc'; piece: number; level: number; text: string }
  | {
      kind: 'entry'; piece: number; level: number; levelName: string; entryAddr: number; entry: bigint;
      bits: Record<string, number>; cycles: number; text: string;
    }
  | { kind: 'rights'; piece: number; text: string };

export interface Explanation {
  la: bigint;
  access: 'read' | 'write' | 'fetch';
  size: number;
  steps: ExplainStep[];
  ok: boolean;
  pa: number;
  pa2: number;
  vector: number;
  errorCode: number;
  reason: string;
  cycles: number;
  text: string;
}

/** The table each level's entries live in, as the SDM names them. */
export const TABLE_NAMES = ['', 'page table', 'page directory', 'page-directory-pointer table', 'PML4 table', 'PML5 table'] as const;

const hex = (v: number | bigint, w = 0) => '0x' + v.toString(16).padStart(w, '0');
const bit = (v: number, m: number) => ((v & m) !== 0 ? 1 : 0);

/** Decoded fields of a paging-structure entry at `level` (SDM Tables 4-15..4-20). */
export function decodeEntry(level: number, lo: number, hi: number): { bits: Record<string, number>; leaf: boolean; text: string } {
  const leaf = level === 1 || ((level === 2 || level === 3) && (lo & PTE_PS) !== 0);
  const b: Record<string, number> = {
    P: bit(lo, PTE_P), 'R/W': bit(lo, PTE_RW), 'U/S': bit(lo, PTE_US), PWT: bit(lo, PTE_PWT), PCD: bit(lo, PTE_PCD), A: bit(lo, PTE_A),
  };
  if (leaf) b.D = bit(lo, PTE_D);
  if (level >= 2) b.PS = bit(lo, PTE_PS);
  if (leaf) {
    b.G = bit(lo, PTE_G);
    b.PAT = level === 1 ? bit(lo, 1 << 7) : bit(lo, 1 << 12);
    b.PK = (hi >>> 27) & 0xf;
  }
  b.XD = hi >>> 31;
  let addr = pteAddr(lo, hi);
  if (leaf && level > 1) addr -= addr % 2 ** (3 + 9 * level);
  const fields = Object.entries(b).map(([k, v]) => `${k}=${v}`).join(' ');
  const target = leaf ? `${['', '4 KiB', '2 MiB', '1 GiB'][level]} page at ${hex(addr)}` : `${TABLE_NAMES[level - 1]} at ${hex(addr)}`;
  return { bits: b, leaf, text: (b.P === 0 ? 'P=0 (not present: other bits ignored)' : `${fields} → ${target}`) };
}

/** The #PF error code spelled out (SDM 4.7). */
export function describeErrorCode(e: number): string {
  const f = (n: string, m: number) => `${n}=${bit(e, m)}`;
  return [f('P', PFEC_P), f('W/R', PFEC_W), f('U/S', PFEC_U), f('RSVD', PFEC_RSVD), f('I/D', PFEC_I), f('PK', PFEC_PK)].join(' ');
}

/** The SDM 4.6 rules applied to an access with combined rights `attr`, one line each. */
export function rightsNarrative(attr: number, access: number, r: MmuRegs): string[] {
  return rightsCheck(attr, access, r).lines;
}

/** The lines of rightsNarrative and, when the access is denied, a short phrase saying why. */
export function rightsCheck(attr: number, access: number, r: MmuRegs): { lines: string[]; denial: string } {
  let denial = '';
  const lines = rightsLines(attr, access, r, (d) => {
    if (denial === '') denial = d;
  });
  return { lines, denial };
}

function rightsLines(attr: number, access: number, r: MmuRegs, deny: (why: string) => void): string[] {
  const user = r.cpl === 3;
  const us = (attr & ATTR_US) !== 0;
  const rw = (attr & ATTR_RW) !== 0;
  const xd = (attr & ATTR_XD) !== 0;
  const out = [`combined rights: R/W=${+rw} U/S=${+us} XD=${+xd} (R/W, U/S: AND of every level; XD: OR)` +
    (us && (r.cr4 & CR4_PKE) !== 0 ? `, protection key ${(attr >>> ATTR_PK_SHIFT) & 0xf}` : '')];
  const who = user ? 'user-mode (CPL 3)' : `supervisor-mode (CPL ${r.cpl})`;
  const what = ACCESS_NAMES[access];
  const wp = (r.cr0 & CR0_WP) !== 0;
  if (access === ACC_FETCH) {
    if (user && !us) {
      out.push(`${who} fetch from a supervisor-mode page (U/S=0): denied (SDM 4.6.1)`);
      deny(`fetch from a supervisor-mode page at CPL3`);
    } else if (!user && us && (r.cr4 & CR4_SMEP) !== 0) {
      out.push(`${who} fetch from a user-mode page with CR4.SMEP=1: denied (SMEP, SDM 4.6.1)`);
      deny(`fetch from a user-mode page at CPL${r.cpl} with SMEP on`);
    } else if (xd && (r.efer & EFER_NXE) !== 0) {
      out.push(`fetch from a page with XD=1 and EFER.NXE=1: denied (SDM 4.6.1)`);
      deny(`fetch from an execute-disable (XD=1) page at CPL${r.cpl}`);
    } else out.push(`${who} fetch: allowed`);
    return out;
  }
  if (user && !us) {
    out.push(`${who} ${what} of a supervisor-mode page (U/S=0): denied (SDM 4.6.1)`);
    deny(`${what} of a supervisor-mode page at CPL3`);
    return out;
  }
  let denied = false;
  if (!user && us && (r.cr4 & CR4_SMAP) !== 0) {
    if ((r.rflags & RFLAGS_AC) === 0) {
      out.push(`${who} ${what} of a user-mode page with CR4.SMAP=1 and RFLAGS.AC=0: denied (SMAP, SDM 4.6.1)`);
      deny(`${what} of a user-mode page at CPL${r.cpl} with SMAP on and RFLAGS.AC=0`);
      denied = true;
    } else out.push(`SMAP: supervisor access to a user-mode page allowed because RFLAGS.AC=1`);
  }
  if (access === ACC_WRITE) {
    if (!rw && (user || wp)) {
      out.push(`${who} write to a read-only page (R/W=0)${user ? '' : ' with CR0.WP=1'}: denied (SDM 4.6.1)`);
      deny(`write to a read-only page at CPL${r.cpl}${user ? '' : ' with CR0.WP=1'}`);
      denied = true;
    } else if (!rw) out.push(`${who} write to a read-only page allowed because CR0.WP=0 (SDM 4.6.1)`);
  }
  if (us && (r.cr4 & CR4_PKE) !== 0) {
    const pk = (attr >>> ATTR_PK_SHIFT) & 0xf;
    const ad = (r.pkru >>> (2 * pk)) & 1;
    const wd = (r.pkru >>> (2 * pk + 1)) & 1;
    if (ad) {
      out.push(`PKRU.AD${pk}=1: data access to key ${pk} denied (protection keys, SDM 4.6.2)`);
      deny(`${what} of a page with protection key ${pk}, access-disabled in PKRU`);
    } else if (wd && access === ACC_WRITE && (user || wp)) {
      out.push(`PKRU.WD${pk}=1: write to key ${pk} denied${user ? '' : ' (CR0.WP=1)'} (protection keys, SDM 4.6.2)`);
      deny(`write to a page with protection key ${pk}, write-disabled in PKRU`);
    } else out.push(`PKRU for key ${pk}: AD=${ad} WD=${wd}: allowed`);
  }
  if (!denied && out.length === 1) out.push(`${who} ${what}: allowed`);
  return out;
}

/** Which reserved bits (SDM 4.5) an entry sets. */
export function reservedNarrative(level: number, lo: number, hi: number, maxPhyAddr: number, efer: number): string {
  const parts: string[] = [];
  const rsvd = reservedHiMask(maxPhyAddr, efer);
  if ((hi & rsvd & 0x000fffff) !== 0) parts.push(`address bits 51:${maxPhyAddr} (above MAXPHYADDR=${maxPhyAddr})`);
  if ((hi & rsvd & 0x80000000) !== 0) parts.push('XD (bit 63) while EFER.NXE=0');
  if (level >= 4 && (lo & PTE_PS) !== 0) parts.push(`PS (bit 7) in a ${LEVEL_NAMES[level].toUpperCase()}`);
  if ((level === 2 || level === 3) && (lo & PTE_PS) !== 0 && (lo & LARGE_RSVD_LO[level]) !== 0)
    parts.push(`bits ${level === 2 ? '20' : '29'}:13 of a ${level === 2 ? '2 MiB' : '1 GiB'} page address`);
  return parts.length ? `reserved bits set: ${parts.join(', ')}` : 'reserved bits set';
}

function reasonFor(e: Explanation, lastEntry: ExplainStep | undefined, r: MmuRegs, denial: string, rsvd: string): string {
  if (e.ok) return e.pa2 >= 0 ? `both pages translated: bytes continue at ${hex(e.pa2)}` : 'translated';
  if (e.vector === VEC_GP) return 'non-canonical linear address → #GP(0) (no page walk, CR2 unchanged)';
  const at = `${e.access} at CPL${r.cpl}`;
  const level = lastEntry?.kind === 'entry' ? lastEntry.levelName.toUpperCase() : 'entry';
  let why: string;
  if ((e.errorCode & PFEC_P) === 0) why = `${at}: the ${level} is not present`;
  else if ((e.errorCode & PFEC_RSVD) !== 0) why = `${at}: ${rsvd || 'reserved bits set'} in the ${level}`;
  else why = denial || `${at}: access rights deny it`;
  return `${why} → #PF error 0x${e.errorCode.toString(16)}`;
}

/** Runs a translation on `mmu` (side effects included) and explains it. */
export function explainTranslation(mmu: Mmu, laLo: number, laHi: number, access: number, size: number): Explanation {
  const events: TraceEvent[] = [];
  const saved = mmu.tracer;
  mmu.tracer = { event: (ev) => events.push(ev) };
  const r = mmu.regs;
  const steps: ExplainStep[] = [];
  const startCycle = mmu.clock.now;
  const dtlb = access === ACC_FETCH ? 'L1 iTLB' : 'L1 dTLB';
  try {
    mmu.begin(laLo, laHi, access, size);
    let seg = { ...mmu.state, cycles: 0 };
    let seen = 0;
    const closeSegment = (nextPhase: string, nextPiece: number) => {
      const s = seg;
      if (s.phase === 'l1-tlb' || s.phase === 'l2-tlb') {
        const hit = !(s.phase === 'l1-tlb' ? nextPhase === 'l2-tlb' : nextPhase === 'walk' && nextPiece === s.piece);
        const dirtyWalk = hit && nextPhase === 'walk' && nextPiece === s.piece;
        steps.push({
          kind: 'tlb', piece: s.piece, structure: s.phase === 'l1-tlb' ? dtlb : 'STLB', hit, cycles: s.cycles,
          text: `${s.phase === 'l1-tlb' ? dtlb : 'STLB'} lookup: ${hit ? 'hit' : 'miss'}` +
            (dirtyWalk ? ' (the entry has D=0: a write walks again to set the dirty flag, SDM 4.8)' : ''),
        });
      }
      // Walk events emitted during this segment.
      for (; seen < events.length; seen++) {
        const ev = events[seen];
        if (ev.kind === 'walk-step' && ev.pscHit) steps.push({ kind: 'psc', piece: s.piece, level: ev.level, text: ev.note });
        else if (ev.kind === 'walk-step') {
          const lo = Number(ev.entry & 0xffffffffn);
          const hi = Number(ev.entry >> 32n);
          const d = decodeEntry(ev.level, lo, hi);
          steps.push({
            kind: 'entry', piece: s.piece, level: ev.level, levelName: LEVEL_NAMES[ev.level], entryAddr: ev.entryAddr, entry: ev.entry,
            bits: d.bits, cycles: s.phase === 'walk' ? s.cycles : 0,
            text: `${LEVEL_NAMES[ev.level].toUpperCase().padEnd(5)} at ${hex(ev.entryAddr)} = ${hex(ev.entry, 16)}  ${d.text}`,
          });
        }
      }
    };
    if (mmu.busy) {
      for (;;) {
        const before = mmu.state;
        const done = mmu.tick();
        seg.cycles++;
        const after = mmu.state;
        if (done || after.phase !== before.phase || after.level !== before.level || after.piece !== before.piece) {
          closeSegment(after.phase, after.piece);
          seg = { ...after, cycles: 0 };
        }
        if (done) break;
      }
    }
    closeSegment('done', -1);
  } finally {
    mmu.tracer = saved;
  }
  const e: Explanation = {
    la: (BigInt(laHi >>> 0) << 32n) | BigInt(laLo >>> 0), access: ACCESS_NAMES[access], size, steps,
    ok: mmu.result >= 0, pa: mmu.result, pa2: mmu.pa2, vector: mmu.faultVector, errorCode: mmu.faultErrorCode,
    reason: '', cycles: mmu.clock.now - startCycle, text: '',
  };
  // Rights narrative: after a leaf entry, or after a TLB hit (the cached rights).
  const lastEntry = [...steps].reverse().find((s) => s.kind === 'entry');
  let denial = '';
  let rsvd = '';
  if (e.vector !== VEC_GP && (r.cr0 & CR0_PG) !== 0) {
    const attr = mmu.lastAttr >= 0 ? mmu.lastAttr : null;
    if (lastEntry?.kind === 'entry' && !e.ok && (e.errorCode & PFEC_RSVD) !== 0) {
      rsvd = reservedNarrative(lastEntry.level, Number(lastEntry.entry & 0xffffffffn), Number(lastEntry.entry >> 32n), mmu.phys.maxPhyAddr, r.efer);
      steps.push({ kind: 'rights', piece: lastEntry.piece, text: rsvd + ' (SDM 4.5)' });
    }
    if (attr !== null && (e.ok || ((e.errorCode & PFEC_P) !== 0 && (e.errorCode & PFEC_RSVD) === 0))) {
      const c = rightsCheck(attr, access, r);
      denial = c.denial;
      for (const line of c.lines) steps.push({ kind: 'rights', piece: -1, text: line });
    }
  }
  e.reason = reasonFor(e, lastEntry, r, denial, rsvd);
  e.text = render(e, mmu);
  return e;
}

function render(e: Explanation, mmu: Mmu): string {
  const r = mmu.regs;
  const lines: string[] = [];
  const mode = (r.cr0 & CR0_PG) === 0 ? 'paging off' : (r.cr4 & CR4_LA57) !== 0 ? '5-level paging' : '4-level paging';
  lines.push(`${e.access} of ${e.size} byte${e.size === 1 ? '' : 's'} at ${hex(e.la, 16)}, CPL ${r.cpl} (${r.cpl === 3 ? 'user' : 'supervisor'}), ${mode}` +
    ((r.cr4 & CR4_PCIDE) !== 0 ? `, PCID ${currentPcid(r)}` : ''));
  lines.push(`  CR0.WP=${bit(r.cr0, CR0_WP)} CR4.SMEP=${bit(r.cr4, CR4_SMEP)} CR4.SMAP=${bit(r.cr4, CR4_SMAP)} CR4.PKE=${bit(r.cr4, CR4_PKE)} ` +
    `CR4.PGE=${bit(r.cr4, CR4_PGE)} EFER.NXE=${bit(r.efer, EFER_NXE)} RFLAGS.AC=${bit(r.rflags, RFLAGS_AC)}` +
    ((r.cr4 & CR4_PKE) !== 0 ? ` PKRU=${hex(r.pkru >>> 0, 8)}` : '') + ` CR3=${hex((BigInt(r.cr3Hi) << 32n) | BigInt(r.cr3Lo))}`);
  let piece = -1;
  for (const s of e.steps) {
    if (s.piece !== piece && s.piece >= 0) {
      piece = s.piece;
      if (e.size > 1 && ((Number(e.la & 0xfffn) + e.size) > 0x1000)) lines.push(`  page ${piece + 1} of 2 (the access straddles a page boundary):`);
    }
    const cyc = 'cycles' in s && s.cycles > 0 ? `[${s.cycles} cycle${s.cycles === 1 ? '' : 's'}]` : '';
    lines.push(`  ${cyc.padEnd(12)}${s.kind === 'rights' ? 'check: ' : ''}${s.text}`);
  }
  if (e.ok) lines.push(`  → physical address ${hex(e.pa)}${e.pa2 >= 0 ? ` (second page at ${hex(e.pa2)})` : ''}`);
  else if (e.vector === VEC_GP) lines.push(`  → ${e.reason}`);
  else lines.push(`  → #PF, error code 0x${e.errorCode.toString(16)} (${describeErrorCode(e.errorCode)}), CR2=${hex((BigInt(r.cr2Hi) << 32n) | BigInt(r.cr2Lo), 16)}`,
    `    ${e.reason}`);
  lines.push(`  ${e.cycles} cycle${e.cycles === 1 ? '' : 's'}`);
  return lines.join('\n');
}

