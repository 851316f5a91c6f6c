// A set-associative translation cache held in flat typed arrays (v86 style): used for the
// TLBs (SDM 4.10.2) and the paging-structure caches (SDM 4.10.3). An entry maps the linear
// address bits above `shift` (the page number, or the region a PSC entry covers) to a
// physical base and the attributes in `attr` (ATTR_*). Entries are associated with a PCID;
// a global entry (SDM 4.10.2.4) has asid -1 and matches every PCID.
import type { CacheGeometry, Replacement, TlbArrayConfig } from './config.ts';

// Attribute word of an entry. The rights bits sit where the PTE has them.
export const ATTR_RW = 1 << 1; // logical-AND of R/W over the levels
export const ATTR_US = 1 << 2; // logical-AND of U/S over the levels
export const ATTR_XD = 1 << 3; // logical-OR of XD over the levels
export const ATTR_D = 1 << 6; // dirty flag of the leaf
export const ATTR_G = 1 << 8; // global (leaf G with CR4.PGE = 1)
export const ATTR_PK_SHIFT = 16; // protection key of the leaf, 4 bits
export const ATTR_SIZE_SHIFT = 24; // size code: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB

/** Shift of each size code: 4 KiB, 2 MiB, 1 GiB pages, and the PML4E / PML5E regions of the PSCs. */
export const SIZE_SHIFT = [12, 21, 30, 39, 48] as const;
export const SIZE_NAMES = ['4K', '2M', '1G'] as const;
export const sizeCodeOf = (s: '4K' | '2M' | '1G'): number => SIZE_NAMES.indexOf(s);

const ASID_GLOBAL = -1;
const POLICY = { lru: 0, plru: 1, random: 2 } as const;
const POLICY_LRU = 0;
const POLICY_PLRU = 1;
const LA_HI_MASK = 0x1ffffff; // linear-address bits 56:32 (the rest is sign extension)

/** 2^(32 - shift) for the size codes below 32 bits of shift. */
const HI_SCALE = new Float64Array([2 ** 20, 2 ** 11, 2 ** 2, 0, 0]);
const SHIFTS = Int32Array.from(SIZE_SHIFT);

/** Page number of (lo, hi) for size code `code`, as an exact double (< 2^45). */
export function pageNumber(lo: number, hi: number, code: number): number {
  const shift = SHIFTS[code];
  return code >= 3 ? (hi & LA_HI_MASK) >>> (shift - 32) : (hi & LA_HI_MASK) * HI_SCALE[code] + (lo >>> shift);
}

/** Low 32 bits of the page number, sign extension included (for the set index). */
function pageNumberLow(lo: number, hi: number, code: number): number {
  const shift = SHIFTS[code];
  return code >= 3 ? hi >>> (shift - 32) : (lo >>> shift) | (hi << (32 - shift));
}

/** The key (pageNumber * 8 + code) as two int32s, compared without floating point: tagLo is the
 * low 32 bits of the page number, tagHi the bits above them times 8 plus the size code. */
function tagLoOf(lo: number, hi: number, code: number): number {
  const shift = SHIFTS[code];
  return code >= 3 ? (hi & LA_HI_MASK) >>> (shift - 32) : (lo >>> shift) | ((hi & LA_HI_MASK) << (32 - shift));
}
function tagHiOf(hi: number, code: number): number {
  return code >= 3 ? code : (((hi & LA_HI_MASK) >>> SHIFTS[code]) << 3) | code;
}

export interface ArrayCounters {
  hits: number;
  misses: number;
  evictions: number;
  invalidations: number;
  fills: number;
}

export class TlbArray {
  readonly name: string;
  readonly sets: number;
  readonly ways: number;
  /** sets - 1 */
  readonly setMask: number;
  /** Size codes this array holds, probed in this order. */
  readonly codes: Int32Array;
  readonly key: Float64Array; // pageNumber * 8 + size code; -1 = invalid
  /** The key split for lookups (see tagLoOf); tagHi is -1 where key is -1. */
  private readonly tagLo: Int32Array;
  private readonly tagHi: Int32Array;
  /** Valid entries with asid -1 (global). */
  private globals = 0;
  /** hinted4k's guess of the entry holding a page, indexed by the low bits of its page number. */
  private readonly hint: Int32Array;
  private readonly hintMask: number;
  readonly asid: Int32Array; // PCID, or -1 for a global entry
  readonly base: Float64Array; // physical base of the page (or of the next table, for a PSC)
  readonly attr: Int32Array;
  private readonly policy: number;
  private readonly stamp: Float64Array; // LRU
  private readonly plru: Uint8Array; // tree-PLRU bits, (treeLeaves - 1) per set
  private readonly treeLeaves: number;
  private useClock = 0;
  private rng: number;
  hits = 0;
  misses = 0;
  evictions = 0;
  invalidations = 0;
  fills = 0;

  constructor(name: string, codes: number[], entries: number, ways: number, replacement: Replacement, seed: number) {
    this.name = name;
    this.ways = ways;
    this.sets = entries / ways;
    this.setMask = this.sets - 1;
    if (!Number.isInteger(this.sets) || (this.sets & (this.sets - 1)) !== 0)
      throw new RangeError(`${name}: entries / ways must be a power of two`);
    this.codes = Int32Array.from(codes);
    this.key = new Float64Array(entries).fill(-1);
    this.tagLo = new Int32Array(entries);
    this.tagHi = new Int32Array(entries).fill(-1);
    let hints = 64;
    while (hints < 4 * entries && hints < 4096) hints *= 2;
    this.hint = new Int32Array(hints);
    this.hintMask = hints - 1;
    this.asid = new Int32Array(entries);
    this.base = new Float64Array(entries);
    this.attr = new Int32Array(entries);
    this.policy = POLICY[replacement];
    this.stamp = new Float64Array(entries);
    let leaves = 1;
    while (leaves < ways) leaves *= 2;
    this.treeLeaves = leaves;
    this.plru = new Uint8Array(this.sets * Math.max(1, leaves - 1));
    this.rng = (seed * 0x9e3779b1) >>> 0 || 0x1234567;
    for (const c of name) this.rng = (Math.imul(this.rng ^ c.charCodeAt(0), 0x01000193) >>> 0) || 1;
  }

  static fromConfig(c: TlbArrayConfig, seed: number): TlbArray {
    return new TlbArray(c.name, c.pageSizes.map(sizeCodeOf), c.entries, c.ways, c.replacement, seed);
  }

  static forPsc(name: string, code: number, g: CacheGeometry, seed: number): TlbArray {
    return new TlbArray(name, [code], g.entries, g.ways, g.replacement, seed);
  }

  /** Index of the entry translating (lo, hi) for `pcid` (or a global one), or -1. No side effects. */
  lookup(lo: number, hi: number, pcid: number): number {
    const codes = this.codes;
    for (let c = 0; c < codes.length; c++) {
      const i = this.find(lo, hi, codes[c], pcid);
      if (i >= 0) return i;
    }
    return -1;
  }

  /** Counts a hit on entry i and records the use for replacement. */
  hit(i: number): void {
    this.hits++;
    this.touch(i);
  }

  /** Index of a matching entry of size `code`, without counting or touching. */
  find(lo: number, hi: number, code: number, pcid: number): number {
    const tl = tagLoOf(lo, hi, code);
    const th = tagHiOf(hi, code);
    const first = (pageNumberLow(lo, hi, code) & this.setMask) * this.ways;
    const end = first + this.ways;
    const tagLo = this.tagLo;
    const tagHi = this.tagHi;
    const asid = this.asid;
    for (let i = first; i < end; i++) {
      if (tagLo[i] === tl && tagHi[i] === th && (asid[i] === pcid || asid[i] === ASID_GLOBAL)) return i;
    }
    return -1;
  }

  /**
   * translate()'s probe for a 4 KiB page: the entry find4k() last found for this page number,
   * if it still matches and the array holds no global entry (then at most one entry matches a
   * page and PCID, so it is the one find() would return); else -1, and find4k() decides. Which
   * way of a set hits is hard for the host to predict; this probe has no branch on it.
   */
  hinted4k(lo: number, hi: number, pcid: number): number {
    if (this.globals !== 0) return -1;
    const tl = (lo >>> 12) | (hi << 20); // tagLoOf(lo, hi, 0)
    const j = this.hint[tl & this.hintMask];
    return this.tagLo[j] === tl && this.tagHi[j] === ((hi & LA_HI_MASK) >>> 12) << 3 && this.asid[j] === pcid ? j : -1;
  }

  /** find() for a 4 KiB page (size code 0), remembering the entry found for hinted4k(). */
  find4k(lo: number, hi: number, pcid: number): number {
    const tl = (lo >>> 12) | (hi << 20); // tagLoOf(lo, hi, 0), also the set index
    const th = ((hi & LA_HI_MASK) >>> 12) << 3; // tagHiOf(hi, 0)
    const first = (tl & this.setMask) * this.ways;
    const end = first + this.ways;
    const tagLo = this.tagLo;
    const tagHi = this.tagHi;
    const asid = this.asid;
    for (let i = first; i < end; i++) {
      if (tagLo[i] === tl && tagHi[i] === th && (asid[i] === pcid || asid[i] === ASID_GLOBAL)) {
        this.hint[tl & this.hintMask] = i;
        return i;
      }
    }
    return -1;
  }

  holds(code: number): boolean {
    for (let c = 0; c < this.codes.length; c++) if (this.codes[c] === code) return true;
    return false;
  }

  /** Fills an entry (replacing a matching one in place). Returns its index. */
  insert(lo: number, hi: number, code: number, pcid: number, global: boolean, base: number, attr: number): number {
    const tl = tagLoOf(lo, hi, code);
    const th = tagHiOf(hi, code);
    const set = pageNumberLow(lo, hi, code) & this.setMask;
    const first = set * this.ways;
    const asidV = global ? ASID_GLOBAL : pcid;
    let i = -1;
    for (let j = first; j < first + this.ways; j++) {
      if (this.tagLo[j] === tl && this.tagHi[j] === th && (this.asid[j] === asidV || this.asid[j] === ASID_GLOBAL || asidV === ASID_GLOBAL)) {
        i = j;
        break;
      }
    }
    if (i < 0) {
      i = this.victim(set);
      if (this.key[i] !== -1) this.evictions++;
    }
    if (this.key[i] !== -1 && this.asid[i] === ASID_GLOBAL) this.globals--;
    if (asidV === ASID_GLOBAL) this.globals++;
    this.key[i] = pageNumber(lo, hi, code) * 8 + code;
    this.tagLo[i] = tl;
    this.tagHi[i] = th;
    this.asid[i] = asidV;
    this.base[i] = base;
    this.attr[i] = attr;
    this.fills++;
    this.touch(i);
    return i;
  }

  private victim(set: number): number {
    const first = set * this.ways;
    for (let i = first; i < first + this.ways; i++) if (this.key[i] === -1) return i;
    if (this.policy === POLICY_LRU) {
      let best = first;
      for (let i = first + 1; i < first + this.ways; i++) if (this.stamp[i] < this.stamp[best]) best = i;
      return best;
    }
    if (this.policy !== POLICY_PLRU) {
      let x = this.rng; // xorshift32
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.rng = x >>> 0;
      return first + (this.rng % this.ways);
    }
    // Tree-PLRU: follow the bits toward the least recently used half; skip leaves >= ways.
    const bits = set * Math.max(1, this.treeLeaves - 1);
    let node = 0;
    let lo = 0;
    let span = this.treeLeaves;
    while (span > 1) {
      span >>= 1;
      let right = this.plru[bits + node] === 1;
      if (right && lo + span >= this.ways) right = false; // right subtree holds no real way
      if (right) lo += span;
      node = 2 * node + (right ? 2 : 1);
    }
    return first + lo;
  }

  /** Records a use of entry i for the replacement policy. */
  touch(i: number): void {
    const p = this.policy;
    if (p === POLICY_LRU) this.stamp[i] = ++this.useClock;
    else if (p === POLICY_PLRU) this.touchPlru(i);
  }

  /** Tree-PLRU: every node on the path to entry i points away from it. */
  private touchPlru(i: number): void {
    const set = (i / this.ways) | 0;
    const way = i - set * this.ways;
    const bits = set * Math.max(1, this.treeLeaves - 1);
    let node = 0;
    let lo = 0;
    let span = this.treeLeaves;
    while (span > 1) {
      span >>= 1;
      const right = way >= lo + span;
      this.plru[bits + node] = right ? 0 : 1; // point away from the way just used
      if (right) lo += span;
      node = 2 * node + (right ? 2 : 1);
    }
  }

  private kill(i: number): void {
    if (this.asid[i] === ASID_GLOBAL) this.globals--;
    this.key[i] = -1;
    this.tagHi[i] = -1;
    this.invalidations++;
  }

  /** INVLPG-style: entries for the page of (lo, hi) associated with `pcid`, and global ones if `andGlobal`. */
  invalidatePage(lo: number, hi: number, pcid: number, andGlobal: boolean): void {
    for (let c = 0; c < this.codes.length; c++) {
      const code = this.codes[c];
      const tl = tagLoOf(lo, hi, code);
      const th = tagHiOf(hi, code);
      const first = (pageNumberLow(lo, hi, code) & this.setMask) * this.ways;
      for (let i = first; i < first + this.ways; i++) {
        if (this.tagLo[i] !== tl || this.tagHi[i] !== th) continue;
        const a = this.asid[i];
        if (a === pcid || (andGlobal && a === ASID_GLOBAL)) this.kill(i);
      }
    }
  }

  /** Entries associated with `pcid` (non-global), and global ones too if `andGlobal`. */
  invalidatePcid(pcid: number, andGlobal: boolean): void {
    for (let i = 0; i < this.key.length; i++) {
      if (this.key[i] === -1) continue;
      const a = this.asid[i];
      if (a === pcid || (andGlobal && a === ASID_GLOBAL)) this.kill(i);
    }
  }

  /** Every non-global entry, all PCIDs. */
  invalidateNonGlobal(): void {
    for (let i = 0; i < this.key.length; i++) if (this.key[i] !== -1 && this.asid[i] !== ASID_GLOBAL) this.kill(i);
  }

  /** Every entry, global ones included. */
  flushAll(): void {
    for (let i = 0; i < this.key.length; i++) if (this.key[i] !== -1) this.kill(i);
  }

  /** Number of valid entries. */
  get occupancy(): number {
    let n = 0;
    for (let i = 0; i < this.key.length; i++) if (this.key[i] !== -1) n++;
    return n;
  }

  counters(): ArrayCounters {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, invalidations: this.invalidations, fills: this.fills };
  }

  resetCounters(): void {
    this.hits = this.misses = this.evictions = this.invalidations = this.fills = 0;
  }
}
