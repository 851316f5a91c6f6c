// The plain data model the address-space picture is drawn from: the VMAs (from
// /proc/<pid>/maps and smaps text) and the page-table tree (read from physical memory,
// starting at CR3: SDM Vol. 3A 4.5). Nothing here depends on the kernel's internals.
import { PagewalkError } from '../../hw/errors.ts';
import type { PhysMem } from '../../hw/mem/phys-mem.ts';
import { PTE_P, PTE_PS, pteAddr } from '../../hw/pte.ts';

export interface VmaInfo {
  start: bigint;
  end: bigint;
  /** As maps prints them: "rw-p". */
  perms: string;
  offset: bigint;
  /** "[heap]", "[stack]", a file path, or "" for anonymous memory. */
  path: string;
  /** Pages mapped by present page-table entries (from the page tables), in this VMA. */
  presentPages: number;
  /** Page numbers (la >> 12) of the present pages, sorted (for the residency strip). */
  present: number[];
  /** From smaps when known: Rss, Anonymous and Locked in kB. */
  rssKb?: number;
  anonKb?: number;
  lockedKb?: number;
}

export interface PtNode {
  /** 4 = PML4 ... 1 = page table. */
  level: number;
  /** Physical address of the table. */
  pa: number;
  /** First linear address this table covers. */
  base: bigint;
  /** Index in the parent table (-1 for the root). */
  index: number;
  /** Present entries. */
  present: number;
  /** Present entries that map pages (PTEs, 2 MiB PDEs, 1 GiB PDPTEs). */
  leaves: number;
  children: PtNode[];
}

export interface AddressSpaceModel {
  title: string;
  pid: number;
  vmas: VmaInfo[];
  /** The user half of the page-table tree, or null when it could not be read. */
  pageTables: PtNode | null;
}

/** One line of /proc/<pid>/maps: "00400000-00401000 r-xp 00000000 00:00 0   /usr/bin/prog". */
const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) \S+ \d+\s*(.*)$/;

export function parseMaps(text: string): Omit<VmaInfo, 'presentPages' | 'present'>[] {
  const out: Omit<VmaInfo, 'presentPages' | 'present'>[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = MAPS_LINE.exec(line);
    if (!m) throw new PagewalkError(`maps line ${i + 1}: not a /proc/<pid>/maps line: ${line}`);
    out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3], offset: BigInt('0x' + m[4]), path: m[5].trim() });
  });
  return out;
}

/** smaps: the header line of each VMA, then "Key:   N kB" lines. Returns fields in kB by VMA start. */
export function parseSmaps(text: string): Map<bigint, Record<string, number>> {
  const out = new Map<bigint, Record<string, number>>();
  let cur: Record<string, number> | null = null;
  for (const line of text.split('\n')) {
    const h = MAPS_LINE.exec(line);
    if (h) {
      cur = {};
      out.set(BigInt('0x' + h[1]), cur);
      continue;
    }
    const f = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (f && cur) cur[f[1]] = Number(f[2]);
  }
  return out;
}

const USER_PML4_ENTRIES = 256; // the lower half: PML4 entries 0..255

/**
 * Reads the user half of a 4-level page-table tree from physical memory (SDM 4.5.4).
 * `present` receives the page number of every present 4 KiB page (large pages add all of theirs).
 */
export function readPageTables(phys: PhysMem, pml4: number, present?: number[], maxNodes = 4096): PtNode {
  let nodes = 0;
  const visit = (pa: number, level: number, base: bigint, index: number): PtNode => {
    nodes++;
    const node: PtNode = { level, pa, base, index, present: 0, leaves: 0, children: [] };
    const n = level === 4 ? USER_PML4_ENTRIES : 512;
    const span = 1n << BigInt(12 + 9 * (level - 1));
    for (let i = 0; i < n; i++) {
      const lo = phys.read32(pa + 8 * i);
      if (!(lo & PTE_P)) continue;
      const hi = phys.read32(pa + 8 * i + 4);
      node.present++;
      const la = base + BigInt(i) * span;
      const leaf = level === 1 || ((level === 2 || level === 3) && (lo & PTE_PS) !== 0);
      if (leaf) {
        node.leaves++;
        if (present) {
          const first = Number(la >> 12n);
          const count = Number(span >> 12n);
          for (let p = 0; p < count; p++) present.push(first + p);
        }
      } else if (nodes < maxNodes) {
        node.children.push(visit(pteAddr(lo, hi), level - 1, la, i));
      }
    }
    return node;
  };
  return visit(pml4, 4, 0n, -1);
}

/** Builds the model from the kernel's maps/smaps text and the page tables under `pml4`. */
export function buildModel(o: { title: string; pid: number; maps: string; smaps?: string; phys?: PhysMem; pml4?: number }): AddressSpaceModel {
  const base = parseMaps(o.maps);
  const smaps = o.smaps ? parseSmaps(o.smaps) : new Map<bigint, Record<string, number>>();
  const present: number[] = [];
  const pageTables = o.phys && o.pml4 !== undefined ? readPageTables(o.phys, o.pml4, present) : null;
  present.sort((a, b) => a - b);
  const vmas: VmaInfo[] = base.map((v) => {
    const lo = Number(v.start >> 12n), hi = Number(v.end >> 12n);
    const inside = present.slice(lowerBound(present, lo), lowerBound(present, hi));
    const s = smaps.get(v.start);
    return { ...v, presentPages: inside.length, present: inside, rssKb: s?.Rss, anonKb: s?.Anonymous, lockedKb: s?.Locked };
  });
  return { title: o.title, pid: o.pid, vmas, pageTables };
}

function lowerBound(a: number[], v: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every node of a tree, depth first. */
export function ptNodes(root: PtNode | null): PtNode[] {
  const out: PtNode[] = [];
  const walk = (n: PtNode) => {
    out.push(n);
    n.children.forEach(walk);
  };
  if (root) walk(root);
  return out;
}

/** The VMA's name as the picture labels it. */
export function vmaName(v: Pick<VmaInfo, 'path' | 'perms'>): string {
  if (v.path) return v.path;
  return v.perms.endsWith('s') ? 'shared anonymous' : 'anonymous';
}
