// Sparse, byte-addressable, little-endian physical memory.
// Host memory is taken only for 4 KiB frames that were written; an unwritten byte reads 0.
// Addresses are plain numbers (< 2^52); accesses must not cross a 4 KiB frame
// (the MMU translates page by page, so a CPU access never does); the *Bytes helpers may.

export const FRAME_SHIFT = 12;
export const FRAME_SIZE = 4096;
const FRAME_MASK = FRAME_SIZE - 1;

export class PhysMem {
  /** Bits of physical address the machine implements (CPUID.80000008H:EAX[7:0]). */
  readonly maxPhyAddr: number;
  private readonly frames = new Map<number, Uint8Array>();
  /**
   * Bumped whenever a frame's backing array is created or dropped (first write, release, zero,
   * copy of an empty frame). A caller that caches a frame's Uint8Array (the core's fetch and data
   * paths) may keep using it while this is unchanged; byte writes into an existing frame are seen
   * through the shared array.
   */
  generation = 0;
  private static readonly ZERO = new Uint8Array(FRAME_SIZE);

  constructor(maxPhyAddr = 46) {
    if (!Number.isInteger(maxPhyAddr) || maxPhyAddr < 32 || maxPhyAddr > 52)
      throw new RangeError(`MAXPHYADDR must be an integer in 32..52, got ${maxPhyAddr}`);
    this.maxPhyAddr = maxPhyAddr;
  }

  /** Number of frames that hold host memory. */
  get framesInUse(): number {
    return this.frames.size;
  }

  /** The frame's bytes, or undefined if it was never written (reads as zero). */
  frame(pfn: number): Uint8Array | undefined {
    return this.frames.get(pfn);
  }

  /** The frame's bytes for reading: a shared all-zero array when never written (do not modify it). */
  frameForRead(pfn: number): Uint8Array {
    return this.frames.get(pfn) ?? PhysMem.ZERO;
  }

  /** The frame's bytes for writing, allocating host memory on first use. */
  frameForWrite(pfn: number): Uint8Array {
    let f = this.frames.get(pfn);
    if (f === undefined) {
      f = new Uint8Array(FRAME_SIZE);
      this.frames.set(pfn, f);
      this.generation++;
    }
    return f;
  }

  /** Give a frame's host memory back (it reads as zero afterwards). */
  releaseFrame(pfn: number): void {
    if (this.frames.delete(pfn)) this.generation++;
  }

  zeroFrame(pfn: number): void {
    if (this.frames.delete(pfn)) this.generation++;
  }

  copyFrame(dstPfn: number, srcPfn: number): void {
    const src = this.frames.get(srcPfn);
    if (src === undefined) {
      if (this.frames.delete(dstPfn)) this.generation++;
    } else this.frameForWrite(dstPfn).set(src);
  }

  read8(pa: number): number {
    const f = this.frames.get(Math.floor(pa / FRAME_SIZE));
    return f === undefined ? 0 : f[pa & FRAME_MASK];
  }

  read16(pa: number): number {
    const f = this.frames.get(Math.floor(pa / FRAME_SIZE));
    if (f === undefined) return 0;
    const o = pa & FRAME_MASK;
    return f[o] | (f[o + 1] << 8);
  }

  /** Unsigned 32-bit read. */
  read32(pa: number): number {
    const f = this.frames.get(Math.floor(pa / FRAME_SIZE));
    if (f === undefined) return 0;
    const o = pa & FRAME_MASK;
    return (f[o] | (f[o + 1] << 8) | (f[o + 2] << 16) | (f[o + 3] << 24)) >>> 0;
  }

  write8(pa: number, v: number): void {
    this.frameForWrite(Math.floor(pa / FRAME_SIZE))[pa & FRAME_MASK] = v;
  }

  write16(pa: number, v: number): void {
    const f = this.frameForWrite(Math.floor(pa / FRAME_SIZE));
    const o = pa & FRAME_MASK;
    f[o] = v;
    f[o + 1] = v >>> 8;
  }

  write32(pa: number, v: number): void {
    const f = this.frameForWrite(Math.floor(pa / FRAME_SIZE));
    const o = pa & FRAME_MASK;
    f[o] = v;
    f[o + 1] = v >>> 8;
    f[o + 2] = v >>> 16;
    f[o + 3] = v >>> 24;
  }

  /** A 64-bit qword as two halves (e.g. a paging-structure entry). */
  write64(pa: number, lo: number, hi: number): void {
    this.write32(pa, lo);
    this.write32(pa + 4, hi);
  }

  /** A 64-bit value as a BigInt: for tests, tools and fixtures only, never a per-access path. */
  read64n(pa: number): bigint {
    return (BigInt(this.read32(pa + 4)) << 32n) | BigInt(this.read32(pa));
  }

  write64n(pa: number, v: bigint): void {
    this.write64(pa, Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
  }

  readBytes(pa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const o = a & FRAME_MASK;
      const n = Math.min(len - done, FRAME_SIZE - o);
      const f = this.frames.get(Math.floor(a / FRAME_SIZE));
      if (f !== undefined) out.set(f.subarray(o, o + n), done);
      done += n;
    }
    return out;
  }

  writeBytes(pa: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = pa + done;
      const o = a & FRAME_MASK;
      const n = Math.min(data.length - done, FRAME_SIZE - o);
      this.frameForWrite(Math.floor(a / FRAME_SIZE)).set(data.subarray(done, done + n), o);
      done += n;
    }
  }
}
