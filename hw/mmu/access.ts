// Access rights (SDM 4.6) and the page-fault error code (SDM 4.7).
// `attr` holds the rights combined over every level of the walk (ATTR_RW, ATTR_US: logical
// AND; ATTR_XD: logical OR) and the leaf's protection key; a TLB entry caches the same word,
// so a TLB hit and a walk are checked by the same function against the current mode.
import * as codes from './codes.ts';
import * as regs from './regs.ts';
import type { MmuRegs } from './regs.ts';
import * as tlb from './tlb.ts';

// Local copies of imported constants (V8 folds these; see codes.ts).
const { ACC_READ, ACC_WRITE, ACC_FETCH } = codes;
const { CR0_WP, CR4_PKE, CR4_SMAP, CR4_SMEP, EFER_NXE, PFEC_I, PFEC_P, PFEC_PK, PFEC_U, PFEC_W, RFLAGS_AC } = regs;
const { ATTR_PK_SHIFT, ATTR_RW, ATTR_US, ATTR_XD } = tlb;

export { ACC_READ, ACC_WRITE, ACC_FETCH } from './codes.ts';
export const ACCESS_NAMES = ['read', 'write', 'fetch'] as const;

/** Error-code bits every #PF of this access carries: W/R, U/S, I/D (SDM 4.7). */
export function accessErrorBits(access: number, r: MmuRegs): number {
  let e = r.cpl === 3 ? PFEC_U : 0;
  if (access === ACC_WRITE) e |= PFEC_W;
  // I/D: an instruction fetch with CR4.SMEP = 1, or with PAE paging and IA32_EFER.NXE = 1.
  else if (access === ACC_FETCH && ((r.cr4 & CR4_SMEP) !== 0 || (r.efer & EFER_NXE) !== 0)) e |= PFEC_I;
  return e;
}

/**
 * SDM 4.6: 0 if the access is allowed by the combined rights `attr` in the current mode,
 * else the #PF error code (P = 1: a present translation denied the access; PK set as 4.7 says).
 */
export function rightsFault(attr: number, access: number, r: MmuRegs): number {
  // Common case, small enough to inline: a user access to a user page with keys off, which
  // only R/W (writes) and XD (fetches, 4.6.1) can deny. Anything else, and every denial, below.
  if (r.cpl === 3 && (attr & ATTR_US) !== 0 && (r.cr4 & CR4_PKE) === 0 &&
      (access === ACC_READ || (access === ACC_WRITE ? (attr & ATTR_RW) !== 0 : (attr & ATTR_XD) === 0 || (r.efer & EFER_NXE) === 0)))
    return 0;
  return rightsFaultFull(attr, access, r);
}

function rightsFaultFull(attr: number, access: number, r: MmuRegs): number {
  const user = r.cpl === 3;
  const userPage = (attr & ATTR_US) !== 0;
  if (access === ACC_FETCH) {
    // 4.6.1: user fetches need U/S = 1; supervisor fetches from user pages are denied by SMEP.
    const denied =
      (user ? !userPage : userPage && (r.cr4 & CR4_SMEP) !== 0) ||
      ((attr & ATTR_XD) !== 0 && (r.efer & EFER_NXE) !== 0); // XD with IA32_EFER.NXE = 1
    return denied ? PFEC_P | accessErrorBits(access, r) : 0;
  }
  const write = access === ACC_WRITE;
  // CR0.WP = 0 lets supervisor writes ignore R/W; user writes always need R/W = 1.
  const wpApplies = user || (r.cr0 & CR0_WP) !== 0;
  let denied = false;
  if (user) {
    if (!userPage) return PFEC_P | accessErrorBits(access, r); // supervisor-mode address
  } else if (userPage && (r.cr4 & CR4_SMAP) !== 0 && (r.rflags & RFLAGS_AC) === 0) {
    denied = true; // SMAP: explicit supervisor data access to a user-mode address with EFLAGS.AC = 0
  }
  if (write && (attr & ATTR_RW) === 0 && wpApplies) denied = true;
  // 4.6.2: protection keys govern data accesses to user-mode addresses when CR4.PKE = 1.
  if (userPage && (r.cr4 & CR4_PKE) !== 0) {
    const pk = (attr >>> ATTR_PK_SHIFT) & 0xf;
    const bits = r.pkru >>> (2 * pk);
    if ((bits & 1) !== 0 || (write && (bits & 2) !== 0 && wpApplies))
      return PFEC_P | PFEC_PK | accessErrorBits(access, r);
  }
  return denied ? PFEC_P | accessErrorBits(access, r) : 0;
}
