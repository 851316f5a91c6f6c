// 64-bit integer arithmetic on uint32 halves (docs/t64.md: registers wrap mod 2^64).
// Results are left in the exported `res` halves so the hot path allocates nothing.
// Only divu/remu use BigInt (division is rare).

/** Result of the last operation: res[0] = low half, res[1] = high half (uint32). */
export const res = new Uint32Array(2);

const TWO32 = 0x100000000;

export function add64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const lo = aLo + bLo; // < 2^33
  res[0] = lo;
  res[1] = aHi + bHi + (lo >= TWO32 ? 1 : 0);
}

export function sub64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const lo = aLo - bLo;
  res[0] = lo;
  res[1] = aHi - bHi - (lo < 0 ? 1 : 0);
}

/** Low 64 bits of the product: lo*lo in 16-bit limbs (exact), cross terms with Math.imul (mod 2^32). */
export function mul64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const a0 = aLo & 0xffff, a1 = aLo >>> 16, b0 = bLo & 0xffff, b1 = bLo >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const low = a0 * b0 + (mid % 0x10000) * 0x10000; // < 2^33
  res[0] = low;
  res[1] = a1 * b1 + Math.floor(mid / 0x10000) + Math.floor(low / TWO32) + Math.imul(aLo, bHi) + Math.imul(aHi, bLo);
}

/** Shift left by n (0..63). */
export function shl64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    res[0] = lo;
    res[1] = hi;
  } else if (n < 32) {
    res[1] = (hi << n) | (lo >>> (32 - n));
    res[0] = lo << n;
  } else {
    res[1] = lo << (n - 32);
    res[0] = 0;
  }
}

/** Logical shift right by n (0..63). */
export function shr64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    res[0] = lo;
    res[1] = hi;
  } else if (n < 32) {
    res[0] = (lo >>> n) | (hi << (32 - n));
    res[1] = hi >>> n;
  } else {
    res[0] = hi >>> (n - 32);
    res[1] = 0;
  }
}

/** Arithmetic shift right by n (0..63). */
export function sar64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    res[0] = lo;
    res[1] = hi;
  } else if (n < 32) {
    res[0] = (lo >>> n) | (hi << (32 - n));
    res[1] = hi >> n;
  } else {
    res[0] = hi >> (n - 32);
    res[1] = hi >> 31;
  }
}

/** a < b, unsigned. Halves are uint32. */
export function ltu64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

/** a < b, signed (two's complement). Halves are uint32. */
export function lt64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  const sa = aHi | 0, sb = bHi | 0;
  return sa < sb || (sa === sb && aLo < bLo);
}

const toBig = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

/** Unsigned divide (divisor non-zero; the core raises #DE before calling). */
export function divu64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (aHi === 0 && bHi === 0) {
    res[0] = Math.floor(aLo / bLo);
    res[1] = 0;
    return;
  }
  const q = toBig(aLo, aHi) / toBig(bLo, bHi);
  res[0] = Number(q & 0xffffffffn);
  res[1] = Number(q >> 32n);
}

/** Unsigned remainder (divisor non-zero). */
export function remu64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (aHi === 0 && bHi === 0) {
    res[0] = aLo % bLo;
    res[1] = 0;
    return;
  }
  const r = toBig(aLo, aHi) % toBig(bLo, bHi);
  res[0] = Number(r & 0xffffffffn);
  res[1] = Number(r >> 32n);
}
