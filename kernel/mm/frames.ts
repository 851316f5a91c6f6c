// Physical frames: the buddy allocator (mm/page_alloc.c) with Linux's orders 0..MAX_PAGE_ORDER
// and the per-frame metadata of struct page / struct folio, kept in typed arrays.
export const MAX_PAGE_ORDER = 10;

// page->flags bits (a subset of enum pageflags, plus our own bookkeeping).
export const PG_BUDDY = 1 << 0; // free, head of a buddy block (PageBuddy)
export const PG_RESERVED = 1 << 1; // never handed out (firmware, kernel image)
export const PG_ANON = 1 << 2; // folio_test_anon
export const PG_SWAPBACKED = 1 << 3; // shmem or anon
export const PG_DIRTY = 1 << 4;
export const PG_WRITEBACK = 1 << 5;
export const PG_LRU = 1 << 6; // on the page-cache LRU list
export const PG_MLOCKED = 1 << 7;
export const PG_PGTABLE = 1 << 8; // a page-table page
export const PG_ANON_EXCLUSIVE = 1 << 9; // PageAnonExclusive: may be reused on a write fault
export const PG_REFERENCED = 1 << 10;
export const PG_UPTODATE = 1 << 11;
export const PG_ZERO = 1 << 12; // the shared zero page
export const PG_KERNEL = 1 << 13; // kernel allocation (direct-map tables, ...)
export const PG_READAHEAD = 1 << 14; // folio_test_readahead: the async-readahead trigger of a read-around window

export class FrameAllocator {
  readonly nframes: number;
  /** page_ref_count(). */
  readonly refcount: Int32Array;
  /** page_mapcount(): number of PTEs mapping the frame. */
  readonly mapcount: Int32Array;
  readonly flags: Uint32Array;
  /** Buddy order of a free block head. */
  readonly order: Uint8Array;
  /** page->mapping: AddressSpace id for page-cache pages, -1 otherwise. */
  readonly mapping: Int32Array;
  /** page->index: pgoff in the mapping. */
  readonly index: Float64Array;
  // free lists (per order) and LRU list, doubly linked through these arrays (-1 = none)
  private readonly fnext: Int32Array;
  private readonly fprev: Int32Array;
  private readonly freeHead: Int32Array;
  readonly lruNext: Int32Array;
  readonly lruPrev: Int32Array;
  /** LRU list of page-cache pages: head = most recently added. */
  lruHead = -1;
  lruTail = -1;
  lruCount = 0;
  freeFrames = 0;

  constructor(nframes: number, reservedLow: number) {
    this.nframes = nframes;
    this.refcount = new Int32Array(nframes);
    this.mapcount = new Int32Array(nframes);
    this.flags = new Uint32Array(nframes);
    this.order = new Uint8Array(nframes);
    this.mapping = new Int32Array(nframes).fill(-1);
    this.index = new Float64Array(nframes);
    this.fnext = new Int32Array(nframes).fill(-1);
    this.fprev = new Int32Array(nframes).fill(-1);
    this.freeHead = new Int32Array(MAX_PAGE_ORDER + 1).fill(-1);
    this.lruNext = new Int32Array(nframes).fill(-1);
    this.lruPrev = new Int32Array(nframes).fill(-1);
    for (let p = 0; p < Math.min(reservedLow, nframes); p++) {
      this.flags[p] = PG_RESERVED;
      this.refcount[p] = 1;
    }
    // memblock_free_all(): hand the rest to the buddy allocator in the largest aligned blocks
    let p = Math.min(reservedLow, nframes);
    while (p < nframes) {
      let o = MAX_PAGE_ORDER;
      while (o > 0 && (p % (1 << o) !== 0 || p + (1 << o) > nframes)) o--;
      this.pushFree(p, o);
      this.freeFrames += 1 << o;
      p += 1 << o;
    }
  }

  private pushFree(pfn: number, o: number): void {
    this.flags[pfn] = PG_BUDDY;
    this.order[pfn] = o;
    const h = this.freeHead[o];
    this.fnext[pfn] = h;
    this.fprev[pfn] = -1;
    if (h >= 0) this.fprev[h] = pfn;
    this.freeHead[o] = pfn;
  }

  private unlinkFree(pfn: number, o: number): void {
    const n = this.fnext[pfn];
    const p = this.fprev[pfn];
    if (p >= 0) this.fnext[p] = n;
    else this.freeHead[o] = n;
    if (n >= 0) this.fprev[n] = p;
    this.flags[pfn] = 0;
    this.fnext[pfn] = this.fprev[pfn] = -1;
  }

  /** __alloc_pages(order): the first pfn of a 2^order block with refcount 1, or -1 when none is free. */
  alloc(o = 0): number {
    let k = o;
    while (k <= MAX_PAGE_ORDER && this.freeHead[k] < 0) k++;
    if (k > MAX_PAGE_ORDER) return -1;
    const pfn = this.freeHead[k];
    this.unlinkFree(pfn, k);
    // expand(): split off upper halves
    while (k > o) {
      k--;
      this.pushFree(pfn + (1 << k), k);
    }
    this.freeFrames -= 1 << o;
    this.flags[pfn] = 0;
    this.refcount[pfn] = 1;
    this.mapcount[pfn] = 0;
    this.mapping[pfn] = -1;
    this.order[pfn] = o;
    return pfn;
  }

  /** __free_pages(): gives a block back, merging with free buddies (__free_one_page). */
  free(pfn: number, o = 0): void {
    this.freeFrames += 1 << o;
    this.refcount[pfn] = 0;
    this.mapcount[pfn] = 0;
    this.mapping[pfn] = -1;
    while (o < MAX_PAGE_ORDER) {
      const buddy = pfn ^ (1 << o);
      if (buddy >= this.nframes || (this.flags[buddy] & PG_BUDDY) === 0 || this.order[buddy] !== o) break;
      this.unlinkFree(buddy, o);
      pfn = Math.min(pfn, buddy);
      o++;
    }
    this.pushFree(pfn, o);
  }

  isFree(pfn: number): boolean {
    return (this.flags[pfn] & PG_BUDDY) !== 0;
  }

  // ---- LRU of page-cache pages (mm/swap.c folio_add_lru, vmscan isolate from the tail) ----
  lruAdd(pfn: number): void {
    if ((this.flags[pfn] & PG_LRU) !== 0) return;
    this.flags[pfn] |= PG_LRU;
    this.lruPrev[pfn] = -1;
    this.lruNext[pfn] = this.lruHead;
    if (this.lruHead >= 0) this.lruPrev[this.lruHead] = pfn;
    this.lruHead = pfn;
    if (this.lruTail < 0) this.lruTail = pfn;
    this.lruCount++;
  }

  lruDel(pfn: number): void {
    if ((this.flags[pfn] & PG_LRU) === 0) return;
    this.flags[pfn] &= ~PG_LRU;
    const n = this.lruNext[pfn];
    const p = this.lruPrev[pfn];
    if (p >= 0) this.lruNext[p] = n;
    else this.lruHead = n;
    if (n >= 0) this.lruPrev[n] = p;
    else this.lruTail = p;
    this.lruNext[pfn] = this.lruPrev[pfn] = -1;
    this.lruCount--;
  }

  /** folio_mark_accessed(): move to the head of the LRU. */
  lruTouch(pfn: number): void {
    if ((this.flags[pfn] & PG_LRU) === 0 || this.lruHead === pfn) return;
    this.lruDel(pfn);
    this.lruAdd(pfn);
  }
}
