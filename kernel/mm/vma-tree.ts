// The ordered VMA structure of an mm (Linux uses a maple tree): a treap keyed by vm_start with
// parent links, an in-order prev/next list, and each subtree's largest gap (the maple tree's
// gap tracking) so that get_unmapped_area finds a free range in O(log n).
// Lookup, insert and remove are O(log n) expected.
import type { Vma } from './vma.ts';

export class VmaTree {
  root: Vma | null = null;
  first: Vma | null = null;
  last: Vma | null = null;
  count = 0;
  private seed = 0x2545f491;

  private rand(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  /** find_vma(): the first VMA with end > addr, or null. */
  find(addr: number): Vma | null {
    let n = this.root;
    let best: Vma | null = null;
    while (n !== null) {
      if (n.end > addr) {
        best = n;
        if (n.start <= addr) return n;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  /** The VMA containing addr, or null (vma_lookup()). */
  lookup(addr: number): Vma | null {
    const v = this.find(addr);
    return v !== null && v.start <= addr ? v : null;
  }

  /** find_vma_intersection(): first VMA overlapping [start, end). */
  findIntersection(start: number, end: number): Vma | null {
    const v = this.find(start);
    return v !== null && v.start < end ? v : null;
  }

  /** The last VMA with start < addr... i.e. find_vma_prev's prev: the VMA ending at or below addr. */
  findPrev(addr: number): Vma | null {
    const v = this.find(addr);
    return v === null ? this.last : v.prev;
  }

  private pull(n: Vma): void {
    let m = n.gap;
    const l = n.left;
    const r = n.right;
    if (l !== null && l.maxGap > m) m = l.maxGap;
    if (r !== null && r.maxGap > m) m = r.maxGap;
    n.maxGap = m;
    n.subStart = l !== null ? l.subStart : n.start;
  }

  /** Recomputes aggregates from n towards the root, stopping where nothing changes. */
  private fixUp(n: Vma | null): void {
    while (n !== null) {
      const g = n.maxGap;
      const s = n.subStart;
      this.pull(n);
      if (n.maxGap === g && n.subStart === s) return;
      n = n.parent;
    }
  }

  private setGap(n: Vma): void {
    n.gap = n.start - (n.prev !== null ? n.prev.end : 0);
  }

  private rotateUp(x: Vma): void {
    const p = x.parent!;
    const g = p.parent;
    if (p.left === x) {
      p.left = x.right;
      if (x.right !== null) x.right.parent = p;
      x.right = p;
    } else {
      p.right = x.left;
      if (x.left !== null) x.left.parent = p;
      x.left = p;
    }
    p.parent = x;
    x.parent = g;
    if (g === null) this.root = x;
    else if (g.left === p) g.left = x;
    else g.right = x;
    this.pull(p);
    this.pull(x);
  }

  /** Inserts a VMA that overlaps none present. */
  insert(v: Vma): void {
    v.left = v.right = v.parent = null;
    v.prio = this.rand();
    let p: Vma | null = null;
    let n = this.root;
    let goLeft = false;
    let pred: Vma | null = null;
    let succ: Vma | null = null;
    while (n !== null) {
      p = n;
      if (v.start < n.start) {
        succ = n;
        n = n.left;
        goLeft = true;
      } else {
        pred = n;
        n = n.right;
        goLeft = false;
      }
    }
    v.parent = p;
    if (p === null) this.root = v;
    else if (goLeft) p.left = v;
    else p.right = v;
    // list links
    v.prev = pred;
    v.next = succ;
    if (pred !== null) pred.next = v;
    else this.first = v;
    if (succ !== null) succ.prev = v;
    else this.last = v;
    this.setGap(v);
    this.pull(v);
    while (v.parent !== null && v.parent.prio < v.prio) this.rotateUp(v);
    this.fixUp(v.parent);
    if (succ !== null) {
      this.setGap(succ);
      this.forceFixUp(succ);
    }
    this.count++;
  }

  remove(v: Vma): void {
    // rotate down until at most one child
    while (v.left !== null && v.right !== null) {
      const c = v.left.prio > v.right.prio ? v.left : v.right;
      this.rotateUp(c);
    }
    const child = v.left !== null ? v.left : v.right;
    const p = v.parent;
    if (child !== null) child.parent = p;
    if (p === null) this.root = child;
    else if (p.left === v) p.left = child;
    else p.right = child;
    this.fixUp(p);
    const pred = v.prev;
    const succ = v.next;
    if (pred !== null) pred.next = succ;
    else this.first = succ;
    if (succ !== null) {
      succ.prev = pred;
      this.setGap(succ);
      this.forceFixUp(succ);
    } else this.last = pred;
    v.left = v.right = v.parent = v.prev = v.next = null;
    this.count--;
  }

  /** After v.start or v.end changed in place (order unchanged): refresh the gaps around it. */
  updateBounds(v: Vma): void {
    this.setGap(v);
    this.forceFixUp(v);
    if (v.next !== null) {
      this.setGap(v.next);
      this.forceFixUp(v.next);
    }
  }

  /** fixUp for a node whose own fields changed: it is always recomputed, then changes propagate. */
  private forceFixUp(n: Vma): void {
    this.pull(n);
    this.fixUp(n.parent);
  }

  /**
   * mas_empty_area_rev(): the highest free range of at least `size` bytes inside [low, high);
   * returns its end (clipped to high), or -1.
   */
  highestGap(low: number, high: number, size: number): number {
    this.gapNext = null;
    if (high - low < size) return -1;
    const tailStart = this.last !== null ? this.last.end : 0;
    {
      const lo = Math.max(tailStart, low);
      if (high - lo >= size) {
        this.gapNext = this.find(high);
        return high;
      }
    }
    return this.searchRev(this.root, low, high, size);
  }

  /** After highestGap(): the first VMA at or above the end of the gap found (vma_next()). */
  gapNext: Vma | null = null;

  private searchRev(n: Vma | null, low: number, high: number, size: number): number {
    if (n === null || n.maxGap < size) return -1;
    if (n.right !== null && n.end < high) {
      const r = this.searchRev(n.right, low, high, size);
      if (r >= 0) return r;
    }
    const gs = n.prev !== null ? n.prev.end : 0;
    const lo = gs > low ? gs : low;
    const hi = n.start < high ? n.start : high;
    if (hi - lo >= size) {
      this.gapNext = n.start >= high ? n : this.find(hi);
      return hi;
    }
    if (n.left !== null && n.prev!.start > low) return this.searchRev(n.left, low, high, size);
    return -1;
  }

  /** mas_empty_area(): the lowest free range of at least `size` inside [low, high); returns its start, or -1. */
  lowestGap(low: number, high: number, size: number): number {
    if (high - low < size) return -1;
    const r = this.search(this.root, low, high, size);
    if (r >= 0) return r;
    const tailStart = this.last !== null ? this.last.end : 0;
    const lo = Math.max(tailStart, low);
    return high - lo >= size ? lo : -1;
  }

  private search(n: Vma | null, low: number, high: number, size: number): number {
    if (n === null || n.maxGap < size) return -1;
    const gs = n.prev !== null ? n.prev.end : 0;
    if (n.left !== null && n.prev!.start > low) {
      const r = this.search(n.left, low, high, size);
      if (r >= 0) return r;
    }
    if (gs >= high) return -1;
    const lo = gs > low ? gs : low;
    const hi = n.start < high ? n.start : high;
    if (hi - lo >= size) return lo;
    if (n.right !== null && n.end < high) return this.search(n.right, low, high, size);
    return -1;
  }

  *[Symbol.iterator](): IterableIterator<Vma> {
    for (let v = this.first; v !== null; v = v.next) yield v;
  }
}
