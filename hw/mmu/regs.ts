// The architectural registers that control paging (SDM Vol. 3A 2.5, 4.1.1, 4.1.3) and
// helpers that read them. Register values are plain numbers; CR3 and CR2 are 64-bit and
// held as two uint32 halves. Only the bits listed here affect the model.

export const CR0_WP = 1 << 16; // write protect (SDM 4.6)
export const CR0_PG = 1 << 31; // paging (the sign bit: test with `!== 0`)

export const CR3_PWT = 1 << 3;
export const CR3_PCD = 1 << 4;
export const CR3_PCID_MASK = 0xfff; // CR3[11:0] when CR4.PCIDE = 1 (SDM 4.10.1)
export const CR3_HI_NOFLUSH = 1 << 31; // bit 63 of the MOV-to-CR3 source (not stored)

export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_PGE = 1 << 7; // global pages (SDM 4.10.2.4)
export const CR4_LA57 = 1 << 12; // 5-level paging (SDM 4.5)
export const CR4_PCIDE = 1 << 17; // process-context identifiers (SDM 4.10.1)
export const CR4_SMEP = 1 << 20; // supervisor-mode execution prevention (SDM 4.6)
export const CR4_SMAP = 1 << 21; // supervisor-mode access prevention (SDM 4.6)
export const CR4_PKE = 1 << 22; // protection keys for user-mode pages (SDM 4.6.2)

export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const EFER_NXE = 1 << 11; // execute-disable (SDM 4.6)

export const RFLAGS_AC = 1 << 18; // alignment check / SMAP override (SDM 4.6)

/** Exception vectors the MMU raises. */
export const VEC_GP = 13;
export const VEC_PF = 14;

/** #PF error-code bits (SDM 4.7, Figure 4-12). */
export const PFEC_P = 1 << 0;
export const PFEC_W = 1 << 1;
export const PFEC_U = 1 << 2;
export const PFEC_RSVD = 1 << 3;
export const PFEC_I = 1 << 4;
export const PFEC_PK = 1 << 5;

export class MmuRegs {
  cr0 = 0;
  /** CR3 bits 31:0 (table base 31:12, PCD/PWT or PCID in 11:0). */
  cr3Lo = 0;
  /** CR3 bits 63:32 (table base up to MAXPHYADDR). */
  cr3Hi = 0;
  cr4 = 0;
  efer = 0;
  rflags = 0x2;
  pkru = 0;
  /** Current privilege level 0..3; 3 is user mode (SDM 4.6). */
  cpl = 0;
  /** CR2: the linear address of the last #PF. */
  cr2Lo = 0;
  cr2Hi = 0;
}

/** The PCID in use: CR3[11:0] when CR4.PCIDE = 1, else 000H (SDM 4.10.1). */
export function currentPcid(r: MmuRegs): number {
  return (r.cr4 & CR4_PCIDE) !== 0 ? r.cr3Lo & CR3_PCID_MASK : 0;
}

/** True if a linear address whose bits 63:32 are `hi` is canonical for the paging mode (SDM 3.3.7.1, 4.5). */
export function isCanonicalHi(hi: number, la57: boolean): boolean {
  const top = la57 ? hi >> 24 : hi >> 15; // bits 63:56 (LA57) or 63:47 (4-level), sign-extended
  return top === 0 || top === -1;
}
