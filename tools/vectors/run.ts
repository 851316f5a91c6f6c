// Runs paging vectors: a fresh PhysMem and Mmu per vector, the state applied, the access
// performed, and outcome, pa, vector, error code, CR2 and the read-back qwords compared.
import { Clock } from '../../hw/clock.ts';
import { PhysMem } from '../../hw/mem/phys-mem.ts';
import { ACC_FETCH, ACC_READ, ACC_WRITE } from '../../hw/mmu/access.ts';
import type { AdPolicy } from '../../hw/mmu/config.ts';
import { explainTranslation } from '../../hw/mmu/explain.ts';
import { Mmu } from '../../hw/mmu/mmu.ts';
import type { Vector, VectorsFile } from './schema.ts';

const KIND = { read: ACC_READ, write: ACC_WRITE, fetch: ACC_FETCH } as const;
const hex = (v: bigint | number) => '0x' + v.toString(16);
const lo32 = (v: bigint) => Number(v & 0xffffffffn);
const hi32 = (v: bigint) => Number((v >> 32n) & 0xffffffffn);

export interface VectorResult {
  id: string;
  family: string;
  passed: boolean;
  /** One line per differing field: `field: expected X, got Y`. */
  mismatches: string[];
  /** The decoded walk (only for a failed vector). */
  explanation?: string;
}

/** A fresh machine in the vector's state, with its memory written. */
export function machineFor(v: Vector, maxPhyAddr: number, adPolicy: AdPolicy): { mmu: Mmu; phys: PhysMem; clock: Clock } {
  const phys = new PhysMem(maxPhyAddr);
  const clock = new Clock();
  const mmu = new Mmu(phys, clock, { adPolicy });
  const r = mmu.regs;
  const s = v.state;
  r.cr0 = Number(BigInt(s.cr0) & 0xffffffffn);
  const cr3 = BigInt(s.cr3);
  r.cr3Lo = lo32(cr3);
  r.cr3Hi = hi32(cr3);
  r.cr4 = Number(BigInt(s.cr4) & 0xffffffffn);
  r.efer = Number(BigInt(s.efer) & 0xffffffffn);
  r.rflags = Number(BigInt(s.rflags) & 0xffffffffn);
  r.pkru = Number(BigInt(s.pkru) & 0xffffffffn);
  r.cpl = s.cpl;
  for (const q of v.memory) phys.write64n(Number(BigInt(q.pa)), BigInt(q.value));
  return { mmu, phys, clock };
}

export function runVector(v: Vector, maxPhyAddr: number, adPolicy: AdPolicy): VectorResult {
  const { mmu, phys } = machineFor(v, maxPhyAddr, adPolicy);
  const la = BigInt(v.access.la);
  const pa = mmu.translate(lo32(la), hi32(la), KIND[v.access.kind], v.access.size);
  const want = v.result;
  const mm: string[] = [];
  const gotOutcome = pa >= 0 ? 'ok' : 'fault';
  if (gotOutcome !== want.outcome) {
    mm.push(`outcome: expected ${want.outcome}, got ${gotOutcome}` +
      (gotOutcome === 'fault' ? ` (vector ${mmu.faultVector}, error code ${hex(mmu.faultErrorCode)})` : ` (pa ${hex(pa)})`));
  } else if (want.outcome === 'ok') {
    if (BigInt(pa) !== BigInt(want.pa!)) mm.push(`pa: expected ${want.pa}, got ${hex(pa)}`);
  } else {
    if (mmu.faultVector !== want.vector) mm.push(`vector: expected ${want.vector}, got ${mmu.faultVector}`);
    else if (want.vector === 14) {
      if (BigInt(mmu.faultErrorCode) !== BigInt(want.error_code!))
        mm.push(`error_code: expected ${want.error_code}, got ${hex(mmu.faultErrorCode)}`);
      const cr2 = (BigInt(mmu.regs.cr2Hi) << 32n) | BigInt(mmu.regs.cr2Lo);
      if (cr2 !== BigInt(want.cr2!)) mm.push(`cr2: expected ${want.cr2}, got ${hex(cr2)}`);
    }
  }
  const mem = adPolicy === 'lazy' && want.memory_lazy !== undefined ? want.memory_lazy : want.memory;
  const memName = mem === want.memory ? 'memory' : 'memory_lazy';
  mem.forEach((q, i) => {
    const got = phys.read64n(Number(BigInt(q.pa)));
    if (got !== BigInt(q.value))
      mm.push(`${memName}[${i}] (pa ${q.pa}): expected ${hex(BigInt(q.value))}, got ${hex(got)}` +
        ` (A ${flag(BigInt(q.value), 5)}→${flag(got, 5)}, D ${flag(BigInt(q.value), 6)}→${flag(got, 6)})`);
  });
  const res: VectorResult = { id: v.id, family: v.family, passed: mm.length === 0, mismatches: mm };
  if (!res.passed) {
    // Decode the walk on a fresh copy of the initial state, so the entries shown are as before the access.
    const fresh = machineFor(v, maxPhyAddr, adPolicy).mmu;
    res.explanation = explainTranslation(fresh, lo32(la), hi32(la), KIND[v.access.kind], v.access.size).text;
  }
  return res;
}

const flag = (v: bigint, bit: number) => Number((v >> BigInt(bit)) & 1n);

export interface FamilyTally {
  family: string;
  passed: number;
  failed: number;
}

export function runVectors(file: VectorsFile, adPolicy: AdPolicy): { results: VectorResult[]; families: FamilyTally[] } {
  const results = file.vectors.map((v) => runVector(v, file.maxphyaddr, adPolicy));
  const fam = new Map<string, FamilyTally>();
  for (const r of results) {
    let t = fam.get(r.family);
    if (!t) fam.set(r.family, (t = { family: r.family, passed: 0, failed: 0 }));
    if (r.passed) t.passed++;
    else t.failed++;
  }
  return { results, families: [...fam.values()] };
}
