// Builds x86-64 paging structures in PhysMem from a list of mappings (for explain scenarios,
// tests and benchmarks). Tables are allocated from a bump allocator of 4 KiB frames.
import type { PhysMem } from '../../hw/mem/phys-mem.ts';
import { PTE_P, PTE_PS, PTE_RW, PTE_US } from '../../hw/pte.ts';
import { entryIndex } from '../../hw/mmu/walk.ts';

export type MapSize = '4K' | '2M' | '1G';
const LEAF_LEVEL: Record<MapSize, number> = { '4K': 1, '2M': 2, '1G': 3 };

export class PageTableBuilder {
  /** Physical address of the top-level table (what CR3 points to). */
  readonly root: number;
  private next: number;
  private readonly first: number;

  constructor(readonly phys: PhysMem, readonly levels: 4 | 5 = 4, firstFrame = 0x100000) {
    this.first = firstFrame;
    this.next = firstFrame;
    this.root = this.alloc();
  }

  /** Physical range [first, end) the tables were allocated from so far. */
  get tableRange(): [number, number] {
    return [this.first, this.next];
  }

  /** A zeroed 4 KiB frame for a table. */
  alloc(): number {
    const pa = this.next;
    this.next += 0x1000;
    this.phys.zeroFrame(pa / 0x1000);
    return pa;
  }

  /** Address of the entry for `la` at `level`, creating the tables above it (with `tableFlags`). */
  entryFor(la: bigint, level: number, tableFlags = PTE_P | PTE_RW | PTE_US): number {
    const lo = Number(la & 0xffffffffn);
    const hi = Number((la >> 32n) & 0xffffffffn);
    let table = this.root;
    for (let l = this.levels; l > level; l--) {
      const ea = table + entryIndex(lo, hi, l) * 8;
      const e = this.phys.read64n(ea);
      if ((e & BigInt(PTE_P)) === 0n || (l <= 3 && (e & BigInt(PTE_PS)) !== 0n)) {
        const t = this.alloc();
        this.phys.write64n(ea, BigInt(t) | BigInt(tableFlags));
        table = t;
      } else {
        table = Number(e & 0x000ffffffffff000n); // an existing entry is left as it is
      }
    }
    return table + entryIndex(lo, hi, level) * 8;
  }

  /** Maps the page containing `la` to `pa` with the leaf entry's other bits `flags` (a 64-bit value). */
  map(la: bigint, pa: number, size: MapSize, flags: bigint, tableFlags?: number): number {
    const level = LEAF_LEVEL[size];
    const ea = this.entryFor(la, level, tableFlags);
    this.phys.write64n(ea, BigInt(pa) | flags | (level > 1 ? BigInt(PTE_PS) : 0n));
    return ea;
  }
}
