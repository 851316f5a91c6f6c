// Test helper: a 4-level page-table tree built by hand in PhysMem (SDM 4.5.4).
import { PhysMem } from '../../hw/mem/phys-mem.ts';
import { makePte, PTE_P, PTE_PS, PTE_RW, PTE_US } from '../../hw/pte.ts';

/** A hand-built 4-level tree: maps 4 KiB pages (and 2 MiB pages with `large`), allocating tables. */
export function handTables() {
  const phys = new PhysMem(46);
  let next = 0x10000;
  const alloc = () => ((next += 0x1000), next);
  const pml4 = alloc();
  const table = (pa: number, i: number): number => {
    const lo = phys.read32(pa + 8 * i);
    if (lo & PTE_P) return lo & ~0xfff;
    const t = alloc();
    const e = makePte(t, PTE_P | PTE_RW | PTE_US);
    phys.write64(pa + 8 * i, e.lo, e.hi);
    return t;
  };
  const idx = (la: bigint, level: number) => Number((la >> BigInt(12 + 9 * (level - 1))) & 0x1ffn);
  const map = (la: bigint, large = false) => {
    const pdpt = table(pml4, idx(la, 4));
    const pd = table(pdpt, idx(la, 3));
    if (large) {
      const e = makePte(0x40000000, PTE_P | PTE_RW | PTE_US | PTE_PS);
      phys.write64(pd + 8 * idx(la, 2), e.lo, e.hi);
      return;
    }
    const pt = table(pd, idx(la, 2));
    const e = makePte(alloc(), PTE_P | PTE_RW | PTE_US);
    phys.write64(pt + 8 * idx(la, 1), e.lo, e.hi);
  };
  return { phys, pml4, map };
}

