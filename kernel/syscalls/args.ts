// The six system-call arguments (r1..r6 = rdi, rsi, rdx, r10, r8, r9) as 64-bit halves, and the
// conversions the handlers use (SYSCALL_DEFINEx argument types: int, unsigned long, loff_t...).

export class SysArgs {
  readonly lo = new Uint32Array(6);
  readonly hi = new Uint32Array(6);

  load(regLo: Uint32Array, regHi: Uint32Array): void {
    for (let i = 0; i < 6; i++) {
      this.lo[i] = regLo[i + 1];
      this.hi[i] = regHi[i + 1];
    }
  }

  /** unsigned long as a number (exact below 2^53; larger values stay larger than any user address). */
  u(i: number): number {
    return this.hi[i] * 0x100000000 + this.lo[i];
  }

  /** int (the low 32 bits, signed): fds, signal numbers, flags declared int. */
  i32(i: number): number {
    return this.lo[i] | 0;
  }

  /** unsigned int (the low 32 bits). */
  u32(i: number): number {
    return this.lo[i];
  }

  /** long / loff_t as a number (sign-extended; exact within ±2^53). */
  s(i: number): number {
    return (this.hi[i] | 0) * 0x100000000 + this.lo[i];
  }

  /** The full 64-bit value. */
  big(i: number): bigint {
    return (BigInt(this.hi[i]) << 32n) | BigInt(this.lo[i]);
  }

  all(): bigint[] {
    return [0, 1, 2, 3, 4, 5].map((i) => this.big(i));
  }
}
