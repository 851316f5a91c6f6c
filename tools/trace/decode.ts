// Decoding of the hardware values that trace lines show: the #PF error code (SDM Vol. 3A
// 4.7, Figure 4-12), paging-structure entries (4.5, Tables 4-14..4-20) and the index a
// linear address selects at each level (4.5.4, Figure 4-8).
import {
  LEVEL_NAMES, PTE_A, PTE_D, PTE_G, PTE_HI_PK_MASK, PTE_HI_PK_SHIFT, PTE_HI_XD, PTE_P, PTE_PCD, PTE_PS, PTE_PWT,
  PTE_RW, PTE_US, pteAddr,
} from '../../hw/pte.ts';

/** #PF error-code bits (SDM 4.7). */
export const PFERR_P = 1 << 0; // 0: non-present page; 1: protection violation
export const PFERR_W = 1 << 1; // write access
export const PFERR_U = 1 << 2; // user-mode access
export const PFERR_RSVD = 1 << 3; // reserved bit set in a paging-structure entry
export const PFERR_I = 1 << 4; // instruction fetch
export const PFERR_PK = 1 << 5; // protection key
export const PFERR_SS = 1 << 6; // shadow stack
export const PFERR_SGX = 1 << 15;

/** The access an error code describes: "user write", "supervisor instruction fetch". */
export function pfAccess(errorCode: number): string {
  const who = errorCode & PFERR_U ? 'user' : 'supervisor';
  const what = errorCode & PFERR_I ? 'instruction fetch' : errorCode & PFERR_W ? 'write' : 'read';
  return `${who} ${what}`;
}

/** Why the access faulted, from the error code alone. */
export function pfCause(errorCode: number): string {
  if (errorCode & PFERR_RSVD) return 'reserved bit set in a paging-structure entry';
  if (errorCode & PFERR_PK) return 'protection-key violation';
  if (errorCode & PFERR_SS) return 'shadow-stack access';
  if (!(errorCode & PFERR_P)) return 'page not present';
  return 'protection violation';
}

/** "0x6 (user write, page not present)"; the bits as the SDM names them with `bits`. */
export function pfErrorText(errorCode: number): string {
  return `0x${errorCode.toString(16)} (${pfAccess(errorCode)}, ${pfCause(errorCode)})`;
}

/** The SDM's names of the set error-code bits: "P W U I/D". */
export function pfErrorBits(errorCode: number): string {
  const names: [number, string][] = [
    [PFERR_P, 'P'], [PFERR_W, 'W/R'], [PFERR_U, 'U/S'], [PFERR_RSVD, 'RSVD'], [PFERR_I, 'I/D'],
    [PFERR_PK, 'PK'], [PFERR_SS, 'SS'], [PFERR_SGX, 'SGX'],
  ];
  const set = names.filter(([b]) => errorCode & b).map(([, n]) => n);
  return set.length ? set.join(' ') : 'none';
}

/** Index (0..511) of the entry that `la` selects at `level` (1 = PT ... 5 = PML5). */
export function levelIndex(la: bigint, level: number): number {
  return Number((BigInt.asUintN(64, la) >> BigInt(12 + 9 * (level - 1))) & 0x1ffn);
}

export function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? `level${level}`;
}

/** A paging-structure entry's flags as short names: "P RW US A D XD". */
export function entryFlags(entry: bigint, level: number): string {
  const lo = Number(entry & 0xffffffffn);
  const hi = Number((entry >> 32n) & 0xffffffffn);
  if (!(lo & PTE_P)) return 'not present';
  const f: string[] = ['P'];
  if (lo & PTE_RW) f.push('RW');
  if (lo & PTE_US) f.push('US');
  if (lo & PTE_PWT) f.push('PWT');
  if (lo & PTE_PCD) f.push('PCD');
  if (lo & PTE_A) f.push('A');
  const leaf = level === 1 || ((level === 2 || level === 3) && (lo & PTE_PS) !== 0);
  if (leaf && lo & PTE_D) f.push('D');
  if ((level === 2 || level === 3) && lo & PTE_PS) f.push('PS');
  if (leaf && lo & PTE_G) f.push('G');
  if (hi & PTE_HI_XD) f.push('XD');
  const pk = (hi & PTE_HI_PK_MASK) >>> PTE_HI_PK_SHIFT;
  if (leaf && pk) f.push(`PK${pk}`);
  return f.join(' ');
}

/** Physical address an entry points to (next table or frame). */
export function entryTarget(entry: bigint): number {
  return pteAddr(Number(entry & 0xffffffffn), Number((entry >> 32n) & 0xffffffffn));
}

/** True when the entry maps a page (PTE, or PDE/PDPTE with PS). */
export function entryIsLeaf(entry: bigint, level: number): boolean {
  return level === 1 || ((level === 2 || level === 3) && (Number(entry & 0xffffffffn) & PTE_PS) !== 0);
}
