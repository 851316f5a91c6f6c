// A deliberately simple, slow reference for IA-32e linear-address translation, written from
// Intel SDM Vol. 3A ch. 4 (not from hw/mmu): 4.5 (4-/5-level paging, reserved bits), 4.6 (access
// rights, protection keys), 4.7 (page-fault error code), 3.3.7.1 (canonical addresses) and the
// accessed/dirty flags of 4.8 under the "lazy" policy (nothing written on a fault). BigInt throughout,
// no TLBs: every access is a fresh walk. Used by reference.test.ts to check the MMU differentially.
// The "eager" policy (QEMU's implementation-defined A/D on faults, tests/fixtures/CONFORMANCE.md) is
// an option: A on each present, reserved-bit-free entry the walk passes before the leaf, and on a
// 1 GiB PDPTE before its 29:13 reserved-bit and rights checks (the vectors pin this order down);
// each page of a straddle commits its A/D before the next page is walked.

export type RefAccessKind = 'read' | 'write' | 'fetch';

export interface RefState {
  cr0: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  rflags: bigint;
  pkru: bigint;
  cpl: number;
  maxPhyAddr: number; // 32..52
}

/** Physical memory as qwords keyed by (8-aligned) physical address; absent = 0. */
export type RefMemory = Map<bigint, bigint>;

export type RefResult =
  | { outcome: 'ok'; pa: bigint; pa2?: bigint } // pa2: first byte in the second page of a straddle
  | { outcome: 'fault'; vector: 13; errorCode: 0 }
  | { outcome: 'fault'; vector: 14; errorCode: number; cr2: bigint };

// Control-register bits (SDM 2.5, 2.2.1). CR4.PGE and PCIDE only matter to TLBs: no effect here.
const CR0_WP = 1n << 16n;
const CR4_LA57 = 1n << 12n;
const CR4_SMEP = 1n << 20n;
const CR4_SMAP = 1n << 21n;
const CR4_PKE = 1n << 22n;
const EFER_NXE = 1n << 11n;
const RFLAGS_AC = 1n << 18n;

// Paging-structure entry bits (SDM Tables 4-15..4-20).
const P = 1n << 0n;
const RW = 1n << 1n;
const US = 1n << 2n;
const A = 1n << 5n;
const D = 1n << 6n;
const PS = 1n << 7n;
const XD = 1n << 63n;

// Page-fault error code (SDM 4.7, Figure 4-12).
export const PFEC_P = 1 << 0;
export const PFEC_W = 1 << 1;
export const PFEC_U = 1 << 2;
export const PFEC_RSVD = 1 << 3;
export const PFEC_I = 1 << 4;
export const PFEC_PK = 1 << 5;

const M64 = (1n << 64n) - 1n;
const bits = (v: bigint, hi: number, lo: number): bigint => (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
const maskRange = (hi: number, lo: number): bigint => (hi < lo ? 0n : ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo));

function readQword(mem: RefMemory, pa: bigint): bigint {
  return mem.get(pa) ?? 0n;
}

/** SDM 3.3.7.1: bits 63:N-1 all equal, N = 48 (4-level) or 57 (5-level). */
export function isCanonical(la: bigint, la57: boolean): boolean {
  const n = la57 ? 57 : 48;
  const top = la >> BigInt(n - 1);
  return top === 0n || top === (1n << BigInt(64 - n + 1)) - 1n;
}

interface PageOk {
  ok: true;
  pa: bigint; // physical address of the page's first accessed byte
  entries: { pa: bigint; leaf: boolean }[]; // paging-structure entries used, root first
}
interface PageFault {
  ok: false;
  errorCode: number;
}

export type RefAdPolicy = 'lazy' | 'eager';

const setBits = (mem: RefMemory, pa: bigint, b: bigint) => mem.set(pa, readQword(mem, pa) | b);

/** Translate one linear address (one page of the access); writes memory only for the eager policy. */
function walkPage(s: RefState, mem: RefMemory, la: bigint, kind: RefAccessKind, eager: boolean): PageOk | PageFault {
  const M = s.maxPhyAddr;
  const la57 = (s.cr4 & CR4_LA57) !== 0n;
  const nxe = (s.efer & EFER_NXE) !== 0n;
  const user = s.cpl === 3; // every access here is explicit: CPL 3 = user-mode access (4.6)
  const write = kind === 'write';
  const fetch = kind === 'fetch';

  // 4.7: W/R, U/S, I/D describe the access, whatever the cause.
  let ec = (write ? PFEC_W : 0) | (user ? PFEC_U : 0);
  if (fetch && ((s.cr4 & CR4_SMEP) !== 0n || nxe)) ec |= PFEC_I;

  // 4.5.2: CR3 bits M-1:12 locate the root table (PML5 or PML4).
  let table = s.cr3 & maskRange(M - 1, 12);
  const entries: { pa: bigint; leaf: boolean }[] = [];
  // Cumulative rights over all levels (4.6.1).
  let allUser = true;
  let allWritable = true;
  let anyXd = false;

  for (let level = la57 ? 5 : 4; level >= 1; level--) {
    const shift = 12 + 9 * (level - 1);
    const index = bits(la, shift + 8, shift);
    const entryPa = table | (index << 3n);
    const e = readQword(mem, entryPa);
    // 4.7: a not-present entry faults with P = 0 (no reserved-bit check).
    if ((e & P) === 0n) return { ok: false, errorCode: ec };

    // 4.5.4 Tables 4-15..4-20: reserved bits of a present entry.
    let rsvd = e & maskRange(51, M); // bits 51:MAXPHYADDR
    if (!nxe) rsvd |= e & XD; // XD is reserved when IA32_EFER.NXE = 0
    const ps = (e & PS) !== 0n;
    if (level >= 4) rsvd |= e & PS; // PS must be 0 in a PML5E / PML4E
    const isLeaf = level === 1 || ((level === 2 || level === 3) && ps);
    if (rsvd !== 0n) return { ok: false, errorCode: ec | PFEC_P | PFEC_RSVD };
    if (eager && (!isLeaf || level === 3)) setBits(mem, entryPa, A);
    if (isLeaf && level === 3) rsvd |= e & maskRange(29, 13); // 1-GByte page: bits 29:13
    if (isLeaf && level === 2) rsvd |= e & maskRange(20, 13); // 2-MByte page: bits 20:13
    if (rsvd !== 0n) return { ok: false, errorCode: ec | PFEC_P | PFEC_RSVD };

    entries.push({ pa: entryPa, leaf: isLeaf });
    if ((e & US) === 0n) allUser = false;
    if ((e & RW) === 0n) allWritable = false;
    if ((e & XD) !== 0n) anyXd = true;

    if (isLeaf) {
      const offBits = shift; // 12, 21 or 30
      const frame = e & maskRange(M - 1, offBits);
      const pa = frame | bits(la, offBits - 1, 0);
      const denied = accessDenied(s, kind, allUser, allWritable, anyXd && nxe);
      const pkDenied = pkeyDenied(s, kind, allUser, e);
      if (denied || pkDenied) return { ok: false, errorCode: ec | PFEC_P | (pkDenied ? PFEC_PK : 0) };
      return { ok: true, pa, entries };
    }
    table = e & maskRange(M - 1, 12);
  }
  throw new Error('unreachable');
}

/** SDM 4.6.1: access rights, without protection keys. `xd`: XD set at some level and NXE = 1. */
function accessDenied(s: RefState, kind: RefAccessKind, userPage: boolean, writable: boolean, xd: boolean): boolean {
  const wp = (s.cr0 & CR0_WP) !== 0n;
  const smep = (s.cr4 & CR4_SMEP) !== 0n;
  const smap = (s.cr4 & CR4_SMAP) !== 0n;
  const ac = (s.rflags & RFLAGS_AC) !== 0n;
  if (s.cpl === 3) {
    // User-mode access: only user-mode addresses; writes need R/W = 1 everywhere; fetches need no XD.
    if (!userPage) return true;
    if (kind === 'write') return !writable;
    if (kind === 'fetch') return xd;
    return false;
  }
  // Supervisor-mode (explicit) access.
  if (kind === 'fetch') {
    if (userPage && smep) return true;
    return xd;
  }
  // Data access to a user-mode address with SMAP: allowed only with RFLAGS.AC = 1 (explicit access).
  if (userPage && smap && !ac) return true;
  if (kind === 'write' && wp && !writable) return true;
  return false;
}

/** SDM 4.6.2: protection keys for user-mode addresses (CR4.PKE), data accesses only. */
function pkeyDenied(s: RefState, kind: RefAccessKind, userPage: boolean, leaf: bigint): boolean {
  if ((s.cr4 & CR4_PKE) === 0n || !userPage || kind === 'fetch') return false;
  const key = Number(bits(leaf, 62, 59));
  const ad = (s.pkru >> BigInt(2 * key)) & 1n;
  const wd = (s.pkru >> BigInt(2 * key + 1)) & 1n;
  if (ad) return true;
  if (wd && kind === 'write' && (s.cpl === 3 || (s.cr0 & CR0_WP) !== 0n)) return true;
  return false;
}

/**
 * Translate an access of `size` bytes at `la`. A straddling access checks both pages. Lazy policy
 * (default): A (every entry used) and D (the leaf, for a write) are set only when the whole access
 * succeeds, so a fault changes nothing. Eager: see the header.
 */
export function refTranslate(
  s: RefState, mem: RefMemory, la: bigint, kind: RefAccessKind, size: number, policy: RefAdPolicy = 'lazy',
): RefResult {
  la &= M64;
  const eager = policy === 'eager';
  const la57 = (s.cr4 & CR4_LA57) !== 0n;
  const last = (la + BigInt(size - 1)) & M64;
  const pages: bigint[] = [la];
  if (la >> 12n !== last >> 12n) pages.push(last & ~0xfffn);
  // 3.3.7.1: a non-canonical byte of the access raises #GP(0) before any paging check.
  for (const p of pages) if (!isCanonical(p, la57)) return { outcome: 'fault', vector: 13, errorCode: 0 };
  const results: PageOk[] = [];
  for (let i = 0; i < pages.length; i++) {
    const r = walkPage(s, mem, pages[i]!, kind, eager);
    // CR2: the first byte of the access within the faulting page (the first page when both fault).
    if (!r.ok) return { outcome: 'fault', vector: 14, errorCode: r.errorCode, cr2: pages[i]! };
    if (eager) commit(mem, r, kind);
    results.push(r);
  }
  if (!eager) for (const r of results) commit(mem, r, kind);
  const pa = results[0]!.pa;
  return results.length === 2 ? { outcome: 'ok', pa, pa2: results[1]!.pa } : { outcome: 'ok', pa };
}

/** 4.8: A on every entry used, D on the leaf for a write. */
function commit(mem: RefMemory, r: PageOk, kind: RefAccessKind): void {
  for (const e of r.entries) setBits(mem, e.pa, e.leaf && kind === 'write' ? A | D : A);
}
