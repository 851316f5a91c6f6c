// A small direct-mapped cache of the physical frames that hold paging structures, so a walk
// step reads its entry without a Map lookup. Valid while PhysMem.generation is unchanged
// (it changes whenever a frame's backing array is created or dropped); byte writes into a
// frame are seen through the shared array.
import type { PhysMem } from '../mem/phys-mem.ts';

const SLOTS = 64;

export class FrameCache {
  private readonly pfn = new Int32Array(SLOTS).fill(-1);
  private readonly frames: Uint8Array[] = [];
  private gen = -1;

  constructor(private readonly phys: PhysMem) {
    const none = new Uint8Array(0);
    for (let i = 0; i < SLOTS; i++) this.frames.push(none);
  }

  /** The bytes of the frame holding physical address `pa` (the shared zero frame if never written). */
  frameOf(pa: number): Uint8Array {
    const phys = this.phys;
    if (phys.generation !== this.gen) {
      this.pfn.fill(-1);
      this.gen = phys.generation;
    }
    if (pa >= 0x40000000000) return phys.frameForRead(Math.floor(pa / 4096)); // frame numbers ≥ 2^30: uncached
    // A small-integer frame number keeps the lookups allocation-free.
    const pfn = pa < 0x80000000 ? pa >>> 12 : (pa / 4096) | 0;
    const slot = pfn & (SLOTS - 1);
    if (this.pfn[slot] === pfn) return this.frames[slot];
    const f = phys.frameForRead(pfn);
    this.pfn[slot] = pfn;
    this.frames[slot] = f;
    return f;
  }
}
