// The page cache (mm/filemap.c, mm/truncate.c, mm/page-writeback.c, mm/shmem.c): one AddressSpace per
// file or shmem object, pages by pgoff, dirty/writeback state, i_size, the i_mmap set of VMAs
// (reverse map for truncation and write-protect on writeback) and a backing block device whose
// pages are read with a latency (a page not in the cache makes a major fault).
import type { KernelMm } from './kmm.ts';
import type { Vma } from './vma.ts';
import { PG_DIRTY as PG_DIRTY_, PG_SWAPBACKED as PG_SWAPBACKED_, PG_UPTODATE as PG_UPTODATE_, PG_REFERENCED as PG_REFERENCED_, PG_READAHEAD as PG_READAHEAD_ } from './frames.ts';
import { PTE_RW as PTE_RW_, PTE_D as PTE_D_ } from '../../hw/pte.ts';
import { rmapWalkFile as rmapWalkFile_, zapRange as zapRange_, putPage as putPage_ } from './memory.ts';
import { flushTlbPage as flushTlbPage_ } from './tlb.ts';
import { COST_COPY_PER_BYTE as COST_COPY_PER_BYTE_, COST_DEVICE_READ as COST_DEVICE_READ_, COST_DEVICE_WRITE as COST_DEVICE_WRITE_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const rmapWalkFile = rmapWalkFile_;
const zapRange = zapRange_;
const putPage = putPage_;
const flushTlbPage = flushTlbPage_;
const PG_DIRTY = PG_DIRTY_;
const PG_SWAPBACKED = PG_SWAPBACKED_;
const PG_UPTODATE = PG_UPTODATE_;
const PG_REFERENCED = PG_REFERENCED_;
const PG_READAHEAD = PG_READAHEAD_;
const PTE_RW = PTE_RW_;
const PTE_D = PTE_D_;
const COST_COPY_PER_BYTE = COST_COPY_PER_BYTE_;
const COST_DEVICE_READ = COST_DEVICE_READ_;
const COST_DEVICE_WRITE = COST_DEVICE_WRITE_;

const PAGE = 4096;

export interface AddressSpaceOptions {
  /** i_ino. */
  ino: number;
  /** The device of the file system (s_dev): major:minor as /proc/<pid>/maps prints them. */
  devMajor?: number;
  devMinor?: number;
  /** A shmem/tmpfs object (swap-backed: RssShmem, no writeback, holes read as zero without I/O). */
  shmem?: boolean;
  /** Initial file contents, on the device (cold: the first access to each page reads the device). */
  data?: Uint8Array;
  /** Initial i_size (default data.length or 0). */
  size?: number;
  /** Readahead window in pages for mmap read-around (file_ra_state.ra_pages, default 32 = 128 KiB). */
  raPages?: number;
}

export class AddressSpace {
  readonly kmm: KernelMm;
  readonly id: number;
  readonly ino: number;
  readonly devMajor: number;
  readonly devMinor: number;
  readonly shmem: boolean;
  /** vma_wants_writenotify: the file has ->page_mkwrite and dirty accounting (regular files). */
  readonly writeNotify: boolean;
  /** i_size in bytes. */
  size: number;
  /** The page cache: pgoff → pfn (the cache holds one reference on each page). */
  readonly pages = new Map<number, number>();
  /** The device's copy of each page (sparse; absent pages are holes that read as zero). */
  readonly disk = new Map<number, Uint8Array>();
  /** i_mmap: every VMA mapping this object (shared and private). */
  readonly iMmap = new Set<Vma>();
  raPages: number;
  /** file_ra_state (kept per object here): prev_pos of the last read(2) (-1: none yet), the current window and folio order. */
  private raPrevPos = -1;
  private raStart = 0;
  private raSize = 0;
  private raAsync = 0;
  private raOrd = 0;
  /** The pages of each PG_readahead folio (a mark covers the whole folio): page → [first, count]. */
  private readonly raFolio = new Map<number, [number, number]>();
  /** A shmem object created by MAP_SHARED|MAP_ANONYMOUS: freed when the last VMA goes. */
  autoRelease = false;
  released = false;

  constructor(kmm: KernelMm, opts: AddressSpaceOptions) {
    this.kmm = kmm;
    this.id = kmm.registerMapping(this);
    this.ino = opts.ino;
    this.shmem = opts.shmem ?? false;
    this.writeNotify = !this.shmem;
    this.devMajor = opts.devMajor ?? (this.shmem ? 0 : 254);
    this.devMinor = opts.devMinor ?? (this.shmem ? 1 : 1);
    this.raPages = opts.raPages ?? 32;
    const data = opts.data;
    if (data !== undefined) {
      for (let off = 0; off < data.length; off += PAGE) {
        const chunk = data.subarray(off, Math.min(off + PAGE, data.length));
        if (chunk.some((b) => b !== 0)) {
          const pg = new Uint8Array(PAGE);
          pg.set(chunk);
          this.disk.set(off / PAGE, pg);
        }
      }
    }
    this.size = opts.size ?? data?.length ?? 0;
  }

  /** filemap_get_folio(): the cached page at pgoff, or -1. */
  findPage(pgoff: number): number {
    const p = this.pages.get(pgoff);
    return p === undefined ? -1 : p;
  }

  private addToCache(pgoff: number, pfn: number): void {
    const fr = this.kmm.frames;
    fr.mapping[pfn] = this.id;
    fr.index[pfn] = pgoff;
    fr.flags[pfn] |= PG_UPTODATE | (this.shmem ? PG_SWAPBACKED : 0);
    this.pages.set(pgoff, pfn);
    if (!this.shmem) fr.lruAdd(pfn);
  }

  /** Reads one page from the device into a new cache page (no latency charged). -1 on OOM. */
  private readIn(pgoff: number): number {
    const pfn = this.kmm.allocPage(null);
    if (pfn < 0) return -1;
    const src = this.disk.get(pgoff);
    if (src !== undefined) this.kmm.phys.frameForWrite(pfn).set(src);
    else this.kmm.phys.zeroFrame(pfn);
    this.addToCache(pgoff, pfn);
    return pfn;
  }

  /**
   * The page at pgoff, read into the cache when absent (filemap_fault / shmem_get_folio).
   * `fault`: when set, a page read from the device sets fault.major and reads around it
   * (do_sync_mmap_readahead: ra_pages centred on the fault; `mode` 'seq' reads ahead, 'rand' only the page).
   * Returns the pfn, or -1 when memory is exhausted.
   */
  getPage(pgoff: number, fault: { major: boolean } | null, mode: 'around' | 'seq' | 'rand' = 'around'): number {
    const have = this.pages.get(pgoff);
    if (have !== undefined) {
      this.kmm.frames.lruTouch(have);
      return have;
    }
    if (this.shmem) {
      // shmem_get_folio_gfp(SGP_CACHE): a hole becomes a new zeroed page, no I/O
      return this.readIn(pgoff);
    }
    const last = Math.ceil(this.size / PAGE) - 1;
    let ios = 0;
    if (fault !== null && mode === 'around' && this.raPages > 1 && pgoff <= last) {
      ios = this.readAround(pgoff, last);
    } else if (fault !== null && mode === 'seq' && this.raPages > 1 && pgoff <= last) {
      // VM_SEQ_READ: do_sync_mmap_readahead() → page_cache_sync_ra(ractl, ra_pages)
      ios = this.syncReadahead(pgoff, this.raPages);
    }
    if (!this.pages.has(pgoff)) {
      // VM_RAND_READ (or no readahead): just the page (filemap_read_folio)
      if (this.readIn(pgoff) < 0) return -1;
      ios++;
    }
    // One request for the batch: latency once, transfer per page is negligible next to it.
    if (ios > 0) this.kmm.charge(COST_DEVICE_READ);
    if (fault !== null) fault.major = true;
    return this.pages.get(pgoff) ?? -1;
  }

  /**
   * do_sync_mmap_readahead() "mmap read-around": ra_pages centred on the fault (start =
   * pgoff - ra_pages/2, async_size = ra_pages/4). Returns the number of pages read.
   */
  private readAround(pgoff: number, last: number): number {
    const size = this.raPages;
    return this.setWindow(Math.max(0, pgoff - Math.floor(size / 2)), size, Math.floor(size / 4), 0, last);
  }

  /** Records the readahead window (file_ra_state) and reads it (page_cache_ra_order). */
  private setWindow(start: number, size: number, asyncSize: number, order: number, last: number): number {
    this.raStart = start;
    this.raSize = size;
    this.raAsync = asyncSize;
    this.raOrd = Math.min(order, Math.floor(Math.log2(size)));
    return this.raOrder(start, size, asyncSize, this.raOrd, last);
  }

  /**
   * page_cache_ra_order(): reads [start, start+size) clipped at EOF in folios of 2^order pages
   * (smaller where unaligned or at the limit) up to the first folio that overlaps a cached page,
   * marking the folio holding start+size-async PG_readahead; if a cached page stopped it,
   * do_page_cache_ra() → page_cache_ra_unbounded() reads the rest of the window in single pages
   * (clipped at EOF), skipping cached ones and marking the page nr_to_read-async after where it resumed.
   */
  private raOrder(start: number, size: number, asyncSize: number, order: number, last: number): number {
    const limit = Math.min(last, start + size - 1);
    const mark = start + size - asyncSize;
    let ios = 0;
    let idx = start;
    let stopped = false;
    while (idx <= limit) {
      let o = order;
      while (o > 0 && idx % (1 << o) !== 0) o--;
      while (o > 0 && idx + (1 << o) - 1 > limit) o--;
      const n = 1 << o;
      let busy = false;
      for (let p = idx; p < idx + n; p++) if (this.pages.has(p)) busy = true;
      if (busy) {
        stopped = true; // ra_alloc_folio(): filemap_add_folio() -EEXIST
        break;
      }
      for (let p = idx; p < idx + n; p++) {
        if (this.readIn(p) < 0) return ios;
        ios++;
      }
      if (Math.floor(mark / n) * n === idx) this.markFolio(idx, n);
      idx += n;
    }
    if (!stopped || size <= idx - start || idx > last) return ios;
    // fallback: do_page_cache_ra(ractl, size - (index - start), async_size)
    const nr = Math.min(size - (idx - start), last - idx + 1);
    const raMark = asyncSize <= nr ? nr - asyncSize : -1;
    for (let i = 0; i < nr; i++) {
      const p = idx + i;
      if (this.pages.has(p)) continue;
      if (this.readIn(p) < 0) break;
      if (i === raMark) this.markFolio(p, 1);
      ios++;
    }
    return ios;
  }

  private markFolio(first: number, n: number): void {
    const fr = this.kmm.frames;
    for (let p = first; p < first + n; p++) {
      fr.flags[this.pages.get(p)!] |= PG_READAHEAD;
      this.raFolio.set(p, [first, n]);
    }
  }

  /**
   * page_cache_sync_ra() for a read(2) of `req` pages from `index` whose first page is not cached:
   * at the start of the file or right after the previous read an initial window (get_init_ra_size),
   * after a run of cached pages a window as long as that run (doubled when it reaches the start of
   * the file), otherwise just the requested pages.
   */
  private syncReadahead(index: number, req: number): number {
    const last = Math.ceil(this.size / PAGE) - 1;
    if (index > last) return 0;
    const max = this.raPages;
    const prevIndex = this.raPrevPos < 0 ? -1 : Math.floor(this.raPrevPos / PAGE);
    if (index === 0 || req > max || (prevIndex >= 0 && prevIndex <= index && index - prevIndex <= 1)) {
      const p2 = 2 ** Math.ceil(Math.log2(Math.max(1, req)));
      const size = p2 <= max / 32 ? p2 * 4 : p2 <= max / 4 ? p2 * 2 : max;
      return this.setWindow(index, size, size > req ? size - req : size >> 1, 0, last);
    }
    // page_cache_prev_miss(index - 1, max): the cached run just below index
    let miss = -2;
    for (let i = 0; i < max; i++) {
      const p = index - 1 - i;
      if (p < 0 || !this.pages.has(p)) {
        miss = p < 0 ? -1 : p; // -1: ULONG_MAX, the run reaches the start of the file
        break;
      }
    }
    if (miss === -2) miss = index - max;
    let contig = index - miss - 1;
    if (contig <= req) {
      // do_page_cache_ra(ractl, req_count, 0): the requested pages only
      let ios = 0;
      for (let p = index; p < index + req && p <= last; p++) {
        if (this.pages.has(p)) continue;
        if (this.readIn(p) < 0) break;
        ios++;
      }
      return ios;
    }
    if (miss === -1) contig *= 2;
    return this.setWindow(index, Math.min(contig + req, max), 1, 0, last);
  }

  /**
   * A fault or read(2) of `req` pages found the PG_readahead page at pgoff (do_async_mmap_readahead
   * / filemap_readahead → page_cache_async_ra()): the folio's mark is cleared; at the expected
   * index the window moves on (start += size, size grows by get_next_ra_size), otherwise a window
   * starts at the first page after it that is not cached; the folio order grows by 2.
   */
  hitReadahead(pgoff: number, req: number = this.raPages): void {
    const fr = this.kmm.frames;
    const folio = this.raFolio.get(pgoff) ?? [pgoff, 1];
    for (let p = folio[0]; p < folio[0] + folio[1]; p++) {
      const pfn = this.pages.get(p);
      if (pfn !== undefined) fr.flags[pfn] &= ~PG_READAHEAD;
      this.raFolio.delete(p);
    }
    const max = this.raPages;
    const last = Math.ceil(this.size / PAGE) - 1;
    const next = (cur: number): number => (cur < max / 16 ? 4 * cur : cur <= max / 2 ? 2 * cur : max);
    const expected = Math.floor((this.raStart + this.raSize - this.raAsync) / folio[1]) * folio[1];
    let start: number;
    let size: number;
    if (pgoff === expected) {
      start = this.raStart + this.raSize;
      size = Math.max(this.raSize, next(this.raSize));
    } else {
      // page_cache_next_miss(index + 1, max_pages)
      start = pgoff + 1;
      while (start - pgoff <= max && this.pages.has(start)) start++;
      if (start - pgoff > max) return;
      size = next(start - pgoff + req);
    }
    const ios = this.setWindow(start, size, size, this.raOrd + 2, last);
    if (ios > 0) this.kmm.charge(COST_DEVICE_READ);
  }

  /**
   * read(2) from the page cache (generic_file_read_iter): up to len bytes at pos, clamped to i_size.
   * `readahead`: a page that is not cached starts page_cache_sync_ra() (the read(2) path; in-kernel
   * readers such as the ELF loader read just what they ask for here).
   */
  read(pos: number, len: number, readahead = false): Uint8Array {
    if (pos >= this.size || len <= 0) return new Uint8Array(0);
    const n = Math.min(len, this.size - pos);
    const out = new Uint8Array(n);
    let done = 0;
    const lastIndex = Math.ceil((pos + n) / PAGE);
    while (done < n) {
      const off = pos + done;
      const pgoff = Math.floor(off / PAGE);
      const inPage = off % PAGE;
      const k = Math.min(n - done, PAGE - inPage);
      // filemap_get_pages(): a missing page starts synchronous readahead (not for shmem)
      if (readahead && !this.shmem && !this.pages.has(pgoff)) {
        const ios = this.syncReadahead(pgoff, lastIndex - pgoff);
        if (ios > 0) this.kmm.charge(COST_DEVICE_READ);
      }
      const pfn = this.getPage(pgoff, null);
      if (pfn < 0) break;
      if ((this.kmm.frames.flags[pfn] & PG_READAHEAD) !== 0) this.hitReadahead(pgoff, lastIndex - pgoff);
      this.kmm.frames.flags[pfn] |= PG_REFERENCED;
      out.set(this.kmm.phys.frameForRead(pfn).subarray(inPage, inPage + k), done);
      done += k;
    }
    this.kmm.charge(Math.ceil(done * COST_COPY_PER_BYTE));
    if (readahead) this.raPrevPos = pos + done; // ra->prev_pos
    return done === n ? out : out.subarray(0, done);
  }

  /**
   * write(2) into the page cache (generic_perform_write): marks the pages dirty and extends i_size.
   * Returns the number of bytes written, or -ENOMEM (-12) when not even one page could be allocated.
   */
  write(pos: number, data: Uint8Array): number {
    let done = 0;
    const fr = this.kmm.frames;
    while (done < data.length) {
      const off = pos + done;
      const pgoff = Math.floor(off / PAGE);
      const inPage = off % PAGE;
      const k = Math.min(data.length - done, PAGE - inPage);
      let pfn = this.pages.get(pgoff);
      if (pfn === undefined) {
        // A page only partly overwritten is read first (unless it lies wholly past EOF).
        const whole = inPage === 0 && k === PAGE;
        const p = whole || pgoff * PAGE >= this.size ? this.readInFresh(pgoff) : this.getPage(pgoff, null);
        if (p < 0) return done > 0 ? done : -12;
        pfn = p;
      }
      this.kmm.phys.frameForWrite(pfn).set(data.subarray(done, done + k), inPage);
      fr.flags[pfn] |= PG_DIRTY;
      fr.lruTouch(pfn);
      done += k;
      if (off + k > this.size) this.size = off + k;
    }
    this.kmm.charge(Math.ceil(done * COST_COPY_PER_BYTE));
    return done;
  }

  private readInFresh(pgoff: number): number {
    const pfn = this.kmm.allocPage(null);
    if (pfn < 0) return -1;
    this.kmm.phys.zeroFrame(pfn);
    this.addToCache(pgoff, pfn);
    return pfn;
  }

  /**
   * truncate_setsize() + truncate_pagecache(): shrinking unmaps every mapping of the pages past
   * the new EOF (private COW copies too: unmap_mapping_range(..., even_cows=1)), drops them from
   * the cache and zeroes the tail of the new last page; growing zeroes the old last page's tail.
   */
  truncate(newSize: number): void {
    const old = this.size;
    if (newSize < old) {
      const first = Math.ceil(newSize / PAGE);
      this.unmapMappingRange(first, Infinity, true);
      for (const [pgoff, pfn] of [...this.pages]) {
        if (pgoff >= first) this.removePage(pgoff, pfn);
      }
      for (const pgoff of [...this.disk.keys()]) if (pgoff >= first) this.disk.delete(pgoff);
      if (newSize % PAGE !== 0) this.zeroTail(Math.floor(newSize / PAGE), newSize % PAGE);
      this.unmapMappingRange(first, Infinity, true);
    }
    // Growing: with 4 KiB blocks pagecache_isize_extended() returns early, so bytes stored past
    // the old EOF through a mapping stay in the cached page (writeback zeroes them, see below).
    this.size = newSize;
  }

  private zeroTail(pgoff: number, from: number): void {
    const pfn = this.pages.get(pgoff);
    if (pfn !== undefined) {
      const f = this.kmm.phys.frame(pfn);
      if (f !== undefined) f.fill(0, from);
    }
    const d = this.disk.get(pgoff);
    if (d !== undefined) d.fill(0, from);
  }

  /** unmap_mapping_range(): zaps the PTEs of pages [first, last] in every VMA mapping this object. */
  unmapMappingRange(first: number, last: number, evenCows: boolean): void {
    for (const vma of [...this.iMmap]) {
      const vFirst = vma.pgoff;
      const vLast = vma.pgoff + vma.pages - 1;
      const a = Math.max(first, vFirst);
      const b = Math.min(last, vLast);
      if (a > b) continue;
      const start = vma.start + (a - vFirst) * PAGE;
      const end = vma.start + (b - vFirst + 1) * PAGE;
      const id = this.id;
      const fr = this.kmm.frames;
      zapRange(this.kmm, vma, start, end, evenCows ? null : (pfn, isAnon) => !isAnon && pfn >= 0 && fr.mapping[pfn] === id);
    }
  }

  private removePage(pgoff: number, pfn: number): void {
    this.pages.delete(pgoff);
    this.raFolio.delete(pgoff);
    const fr = this.kmm.frames;
    fr.lruDel(pfn);
    fr.mapping[pfn] = -1;
    fr.flags[pfn] &= ~(PG_DIRTY | PG_UPTODATE);
    putPage(this.kmm, pfn);
  }

  /**
   * Writes back the dirty pages of [startPgoff, endPgoff] (filemap_write_and_wait_range): each page's
   * PTEs are write-protected and cleaned first (folio_clear_dirty_for_io → page_mkclean), so the next
   * write through a mapping faults and dirties it again. shmem has nothing to write back.
   */
  writeback(startPgoff = 0, endPgoff = Infinity): number {
    if (this.shmem) return 0;
    let written = 0;
    const fr = this.kmm.frames;
    for (const [pgoff, pfn] of this.pages) {
      if (pgoff < startPgoff || pgoff > endPgoff) continue;
      let dirty = (fr.flags[pfn] & PG_DIRTY) !== 0;
      rmapWalkFile(this.kmm, this.iMmap, pgoff, pfn, (vma, addr, ea) => {
        const lo = this.kmm.phys.read32(ea);
        if ((lo & PTE_D) !== 0) dirty = true;
        if (vma.isShared() && (lo & (PTE_RW | PTE_D)) !== 0) {
          this.kmm.phys.write32(ea, lo & ~(PTE_RW | PTE_D));
          flushTlbPage(this.kmm, vma.mm, addr);
        }
      });
      if (!dirty) continue;
      fr.flags[pfn] &= ~PG_DIRTY;
      // ext4_bio_write_folio(): the page straddling i_size is zeroed past EOF on every writeback
      if (pgoff === Math.floor(this.size / PAGE) && this.size % PAGE !== 0) {
        const f = this.kmm.phys.frame(pfn);
        if (f !== undefined) f.fill(0, this.size % PAGE);
      }
      const copy = new Uint8Array(PAGE);
      copy.set(this.kmm.phys.frameForRead(pfn));
      if (copy.some((b) => b !== 0)) this.disk.set(pgoff, copy);
      else this.disk.delete(pgoff);
      written++;
    }
    if (written > 0) this.kmm.charge(COST_DEVICE_WRITE * written);
    return written;
  }

  /** fsync(2) / fdatasync: write back the whole file (or the byte range). */
  fsync(start = 0, end = Infinity): number {
    this.writeback(Math.floor(start / PAGE), end === Infinity ? Infinity : Math.floor(end / PAGE));
    return 0;
  }

  /** Number of dirty pages in the cache. */
  get nrDirty(): number {
    let n = 0;
    for (const pfn of this.pages.values()) if ((this.kmm.frames.flags[pfn] & PG_DIRTY) !== 0) n++;
    return n;
  }

  /**
   * Drops every cache page (evict: the file was deleted and is no longer open or mapped, or a shmem
   * object lost its last mapping). Pages still mapped keep their frames until unmapped.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const [pgoff, pfn] of [...this.pages]) this.removePage(pgoff, pfn);
    this.disk.clear();
    this.kmm.mappings[this.id] = undefined;
  }

  /** Called when a VMA stops referencing this object (fput of vm_file). */
  vmaDetached(vma: Vma): void {
    this.iMmap.delete(vma);
    if (this.autoRelease && this.iMmap.size === 0) this.release();
  }
}
