// The T64 signal frame (docs/t64.md "Signals"), laid out like x86-64's struct rt_sigframe
// (arch/x86/kernel/signal_64.c: x64_setup_rt_frame / get_sigframe):
//   frame+0    pretcode = sa_restorer (the handler's return address; sp points here on entry)
//   frame+8    ucontext: u64 r0..r15 (+0..+120), u64 pc (+128), u64 saved blocked mask (+136)
//   frame+152  siginfo: i32 si_signo (+0), i32 si_errno (+4), i32 si_code (+8), u64 si_addr (+16); 128 bytes
// get_sigframe: skip the 128-byte red zone below sp, round down to 16, minus 8 so that (sp + 8) is
// 16-byte aligned on entry, as after a call. rt_sigreturn finds the ucontext at its sp (the handler's
// `ret` popped pretcode).
import { le32, le64, rdle64 } from './uaccess.ts';

export const UC_OFFSET = 8;
export const UC_SIZE = 144;
export const SI_OFFSET = UC_OFFSET + UC_SIZE;
export const SI_SIZE = 128;
export const FRAME_SIZE = SI_OFFSET + SI_SIZE;
export const RED_ZONE = 128;

/** Address of the frame for a user stack pointer `sp` (get_sigframe()). */
export function sigframeAddress(sp: number): number {
  const below = sp - RED_ZONE - FRAME_SIZE;
  return below - (((below % 16) + 16) % 16) - 8;
}

export interface FrameRegs {
  regLo: Uint32Array;
  regHi: Uint32Array;
  pcLo: number;
  pcHi: number;
}

/** The frame's bytes. */
export function buildSigframe(
  regs: FrameRegs, restorer: bigint, blocked: bigint, sig: number, code: number, addr: bigint,
): Uint8Array {
  const b = new Uint8Array(FRAME_SIZE);
  le64(b, 0, restorer);
  for (let i = 0; i < 16; i++) {
    le32(b, UC_OFFSET + i * 8, regs.regLo[i]);
    le32(b, UC_OFFSET + i * 8 + 4, regs.regHi[i]);
  }
  le32(b, UC_OFFSET + 128, regs.pcLo);
  le32(b, UC_OFFSET + 132, regs.pcHi);
  le64(b, UC_OFFSET + 136, blocked);
  le32(b, SI_OFFSET + 0, sig);
  le32(b, SI_OFFSET + 4, 0);
  le32(b, SI_OFFSET + 8, code);
  le64(b, SI_OFFSET + 16, addr);
  return b;
}

/** Restores registers from a ucontext's bytes (UC_SIZE); returns the saved blocked mask. */
export function restoreUcontext(uc: Uint8Array, regs: FrameRegs): bigint {
  const rd32 = (o: number) => (uc[o] | (uc[o + 1] << 8) | (uc[o + 2] << 16) | (uc[o + 3] << 24)) >>> 0;
  for (let i = 0; i < 16; i++) {
    regs.regLo[i] = rd32(i * 8);
    regs.regHi[i] = rd32(i * 8 + 4);
  }
  regs.pcLo = rd32(128);
  regs.pcHi = rd32(132);
  return rdle64(uc, 136);
}
