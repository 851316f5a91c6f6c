// User-memory access from the kernel (arch/x86/lib/usercopy_64.c, copy_user_generic, strncpy_from_user):
// supervisor accesses (CPL 0) through the MMU with SMAP on; RFLAGS.AC is set only inside these
// routines (stac/clac). A #PF is handed to the mm fault handler and the access retried; if the
// fault cannot be resolved the copy stops there (exception-table fixup) and the caller sees EFAULT.
import { ACC_READ, ACC_WRITE, type Mmu } from '../hw/mmu/mmu.ts';
import type { PhysMem } from '../hw/mem/phys-mem.ts';
import { RFLAGS_AC, VEC_PF } from '../hw/mmu/regs.ts';

/** TASK_SIZE_MAX for 4-level paging: (1 << 47) - PAGE_SIZE (arch/x86/include/asm/page_64_types.h). */
export const TASK_SIZE_MAX = 0x7ffffffff000;
const PAGE = 4096;

export interface UaccessEnv {
  mmu: Mmu;
  phys: PhysMem;
  /** Resolves a #PF taken at `la` (a user address) with `errorCode`; true when the access can be retried. */
  fixup(la: number, errorCode: number): boolean;
}

/** access_ok(): the whole range lies in the user half. */
export function accessOk(addr: number, len: number): boolean {
  return addr >= 0 && len >= 0 && addr <= TASK_SIZE_MAX && len <= TASK_SIZE_MAX - addr;
}

/**
 * Translates one byte of user memory for a supervisor access (AC already set), resolving faults.
 * Returns the physical address or -1.
 */
function translateUser(env: UaccessEnv, la: number, access: number): number {
  const lo = la >>> 0;
  const hi = Math.floor(la / 0x100000000);
  // A fault handler that resolves a fault but leaves a translation faulting again would loop
  // forever: Linux would too (it retries), but a model must not hang; 4 retries is plenty.
  for (let tries = 0; tries < 4; tries++) {
    const pa = env.mmu.translate(lo, hi, access, 1);
    if (pa >= 0) return pa;
    if (env.mmu.faultVector !== VEC_PF) return -1;
    if (!env.fixup(la, env.mmu.faultErrorCode)) return -1;
  }
  return -1;
}

function withUserAccess<T>(env: UaccessEnv, body: () => T): T {
  const regs = env.mmu.regs;
  const savedCpl = regs.cpl;
  const savedFlags = regs.rflags;
  regs.cpl = 0;
  regs.rflags = savedFlags | RFLAGS_AC; // stac
  try {
    return body();
  } finally {
    regs.rflags = savedFlags & ~RFLAGS_AC; // clac
    regs.cpl = savedCpl;
  }
}

/**
 * copy_from_user(): copies up to `dst.length` bytes from user address `addr` into `dst`.
 * Returns the number of bytes copied (less than asked when a fault could not be resolved).
 */
export function copyFromUser(env: UaccessEnv, dst: Uint8Array, addr: number): number {
  const len = dst.length;
  if (len === 0) return 0;
  if (!accessOk(addr, len)) return 0;
  return withUserAccess(env, () => {
    let done = 0;
    while (done < len) {
      const la = addr + done;
      const n = Math.min(len - done, PAGE - (la % PAGE));
      const pa = translateUser(env, la, ACC_READ);
      if (pa < 0) break;
      dst.set(env.phys.readBytes(pa, n), done);
      done += n;
    }
    return done;
  });
}

/** copy_to_user(): copies `src` to user address `addr`; returns the number of bytes copied. */
export function copyToUser(env: UaccessEnv, addr: number, src: Uint8Array): number {
  const len = src.length;
  if (len === 0) return 0;
  if (!accessOk(addr, len)) return 0;
  return withUserAccess(env, () => {
    let done = 0;
    while (done < len) {
      const la = addr + done;
      const n = Math.min(len - done, PAGE - (la % PAGE));
      const pa = translateUser(env, la, ACC_WRITE);
      if (pa < 0) break;
      env.phys.writeBytes(pa, src.subarray(done, done + n));
      done += n;
    }
    return done;
  });
}

/**
 * strncpy_from_user(): the NUL-terminated string at `addr`, at most `max` bytes (without the NUL).
 * Returns the bytes, or null on a fault (EFAULT), or 'toolong' when no NUL was found within max.
 */
export function strncpyFromUser(env: UaccessEnv, addr: number, max: number): Uint8Array | null | 'toolong' {
  if (!accessOk(addr, 1)) return null;
  return withUserAccess(env, () => {
    const out: number[] = [];
    let la = addr;
    while (out.length <= max) {
      if (la > TASK_SIZE_MAX) return null;
      const pa = translateUser(env, la, ACC_READ);
      if (pa < 0) return null;
      const n = PAGE - (la % PAGE);
      const bytes = env.phys.readBytes(pa, n);
      for (let i = 0; i < n; i++) {
        if (bytes[i] === 0) return Uint8Array.from(out);
        out.push(bytes[i]);
        if (out.length > max) return 'toolong';
      }
      la += n;
    }
    return 'toolong';
  });
}

/** Little-endian helpers for the kernel's user structures (struct rusage, sigaction, ...). */
export function le64(b: Uint8Array, o: number, v: number | bigint): void {
  const x = BigInt.asUintN(64, BigInt(v));
  const lo = Number(x & 0xffffffffn), hi = Number(x >> 32n);
  b[o] = lo; b[o + 1] = lo >>> 8; b[o + 2] = lo >>> 16; b[o + 3] = lo >>> 24;
  b[o + 4] = hi; b[o + 5] = hi >>> 8; b[o + 6] = hi >>> 16; b[o + 7] = hi >>> 24;
}

export function le32(b: Uint8Array, o: number, v: number): void {
  b[o] = v; b[o + 1] = v >>> 8; b[o + 2] = v >>> 16; b[o + 3] = v >>> 24;
}

export function rdle64(b: Uint8Array, o: number): bigint {
  const lo = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  const hi = (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
