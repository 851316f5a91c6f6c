// A small direct-mapped cache of the physical frames that hold paging structures, so a walk
// step reads its entry without a Map lookup. Valid while PhysMem.generation is unchanged
// (it changes whenever a frame's backing array is created or dropped); byte writes into a
// frame are seen through the shared array. Each frame is seen as 1024 little-endian int32
// words, so an entry is two loads.
import type { PhysMem } from '../mem/phys-mem.ts';

const SLOTS = 64;
/** Int32Array views use the host's byte order; on a big-endian host words are copied from bytes at each use. */
const HOST_LE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export class FrameCache {
  private readonly pfn = new Int32Array(SLOTS).fill(-1);
  private readonly views: Int32Array[] = [];
  private gen = -1;

  constructor(private readonly phys: PhysMem) {
    const none = new Int32Array(0);
    for (let i = 0; i < SLOTS; i++) this.views.push(none);
  }

  /** The frame holding physical address `pa` as 1024 int32 words (zeros if never written). */
  words(pa: number): Int32Array {
    const phys = this.phys;
    if (!HOST_LE) return copyWords(phys.frameForRead(Math.floor(pa / 4096)));
    if (phys.generation !== this.gen) {
      this.pfn.fill(-1);
      this.gen = phys.generation;
    }
    if (pa >= 0x40000000000) return view(phys.frameForRead(Math.floor(pa / 4096))); // frame numbers ≥ 2^30: uncached
    // A small-integer frame number keeps the lookups allocation-free.
    const pfn = pa < 0x80000000 ? pa >>> 12 : (pa / 4096) | 0;
    const slot = pfn & (SLOTS - 1);
    if (this.pfn[slot] === pfn) return this.views[slot];
    const v = view(phys.frameForRead(pfn));
    this.pfn[slot] = pfn;
    this.views[slot] = v;
    return v;
  }
}

/** A frame's bytes as int32 words: a view of the same memory (PhysMem frames are whole 4 KiB arrays). */
function view(f: Uint8Array): Int32Array {
  return new Int32Array(f.buffer, f.byteOffset, f.length >> 2);
}

/** A snapshot of a frame's bytes as little-endian int32 words. */
function copyWords(f: Uint8Array): Int32Array {
  const w = new Int32Array(f.length >> 2);
  for (let i = 0; i < w.length; i++) w[i] = f[4 * i] | (f[4 * i + 1] << 8) | (f[4 * i + 2] << 16) | (f[4 * i + 3] << 24);
  return w;
}
