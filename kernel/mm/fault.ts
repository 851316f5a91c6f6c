// The page-fault handler (arch/x86/mm/fault.c do_user_addr_fault, mm/memory.c handle_mm_fault)
// and the in-kernel fault-in used by MAP_POPULATE / mlock / MADV_POPULATE_* (mm/gup.c).
import { PTE_P as PTE_P_, PTE_RW as PTE_RW_, PTE_A as PTE_A_, PTE_D as PTE_D_ } from '../../hw/pte.ts';
import { PFEC_P as PFEC_P_, PFEC_W as PFEC_W_, PFEC_RSVD as PFEC_RSVD_, PFEC_I as PFEC_I_, PFEC_PK as PFEC_PK_ } from '../../hw/mmu/regs.ts';
import { SIG as SIG_, SI_CODES as SI_CODES_, ERRNO as ERRNO_ } from '../uapi/constants.ts';
import type { KernelMm } from './kmm.ts';
import { MM_ANONPAGES as MM_ANONPAGES_ } from './mm.ts';
import type { Mm } from './mm.ts';
import { type Vma, TASK_SIZE as TASK_SIZE_, VM_GROWSDOWN as VM_GROWSDOWN_, VM_SHARED as VM_SHARED_, VM_MAYSHARE as VM_MAYSHARE_, VM_WRITE as VM_WRITE_, VM_LOCKED as VM_LOCKED_, VM_RAND_READ as VM_RAND_READ_, VM_SEQ_READ as VM_SEQ_READ_, VM_LOCKONFAULT as VM_LOCKONFAULT_, VM_IO as VM_IO_, VM_PFNMAP as VM_PFNMAP_, vmaIsAccessible as vmaIsAccessible_, PAGE_SIZE as PAGE_SIZE_ } from './vma.ts';
import { PG_ANON as PG_ANON_, PG_SWAPBACKED as PG_SWAPBACKED_, PG_ANON_EXCLUSIVE as PG_ANON_EXCLUSIVE_, PG_MLOCKED as PG_MLOCKED_, PG_DIRTY as PG_DIRTY_, PG_ZERO as PG_ZERO_, PG_REFERENCED as PG_REFERENCED_, PG_READAHEAD as PG_READAHEAD_ } from './frames.ts';
import { PTE_SPECIAL as PTE_SPECIAL_, PTE_PROTNONE as PTE_PROTNONE_, allocToPte as allocToPte_, entryPfn as entryPfn_, writeEntry as writeEntry_, walkToPte as walkToPte_ } from './pgtable.ts';
import { vmPageProtLo as vmPageProtLo_, vmPageProtHi as vmPageProtHi_, mapNewPte as mapNewPte_, mmCounter as mmCounter_, putPage as putPage_ } from './memory.ts';
import { flushTlbPage as flushTlbPage_ } from './tlb.ts';
import { anonVmaPrepare as anonVmaPrepare_, mayExpandVm as mayExpandVm_, mlockFutureOk as mlockFutureOk_, vmStatAccount as vmStatAccount_ } from './account.ts';
import { COST_FAULT_HANDLER as COST_FAULT_HANDLER_, COST_ZERO_PAGE as COST_ZERO_PAGE_, COST_COPY_PAGE as COST_COPY_PAGE_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const vmaIsAccessible = vmaIsAccessible_;
const allocToPte = allocToPte_;
const entryPfn = entryPfn_;
const writeEntry = writeEntry_;
const walkToPte = walkToPte_;
const vmPageProtLo = vmPageProtLo_;
const vmPageProtHi = vmPageProtHi_;
const mapNewPte = mapNewPte_;
const mmCounter = mmCounter_;
const putPage = putPage_;
const flushTlbPage = flushTlbPage_;
const anonVmaPrepare = anonVmaPrepare_;
const mayExpandVm = mayExpandVm_;
const mlockFutureOk = mlockFutureOk_;
const vmStatAccount = vmStatAccount_;
const PTE_P = PTE_P_;
const PTE_RW = PTE_RW_;
const PTE_A = PTE_A_;
const PTE_D = PTE_D_;
const PFEC_P = PFEC_P_;
const PFEC_W = PFEC_W_;
const PFEC_RSVD = PFEC_RSVD_;
const PFEC_I = PFEC_I_;
const PFEC_PK = PFEC_PK_;
const SIG = SIG_;
const SI_CODES = SI_CODES_;
const ERRNO = ERRNO_;
const MM_ANONPAGES = MM_ANONPAGES_;
const TASK_SIZE = TASK_SIZE_;
const VM_GROWSDOWN = VM_GROWSDOWN_;
const VM_SHARED = VM_SHARED_;
const VM_MAYSHARE = VM_MAYSHARE_;
const VM_WRITE = VM_WRITE_;
const VM_LOCKED = VM_LOCKED_;
const VM_RAND_READ = VM_RAND_READ_;
const VM_SEQ_READ = VM_SEQ_READ_;
const VM_LOCKONFAULT = VM_LOCKONFAULT_;
const VM_IO = VM_IO_;
const VM_PFNMAP = VM_PFNMAP_;
const PAGE_SIZE = PAGE_SIZE_;
const PG_ANON = PG_ANON_;
const PG_SWAPBACKED = PG_SWAPBACKED_;
const PG_ANON_EXCLUSIVE = PG_ANON_EXCLUSIVE_;
const PG_MLOCKED = PG_MLOCKED_;
const PG_DIRTY = PG_DIRTY_;
const PG_ZERO = PG_ZERO_;
const PG_REFERENCED = PG_REFERENCED_;
const PG_READAHEAD = PG_READAHEAD_;
const PTE_SPECIAL = PTE_SPECIAL_;
const PTE_PROTNONE = PTE_PROTNONE_;
const COST_FAULT_HANDLER = COST_FAULT_HANDLER_;
const COST_ZERO_PAGE = COST_ZERO_PAGE_;
const COST_COPY_PAGE = COST_COPY_PAGE_;

/** The per-task fault counters (task_struct min_flt / maj_flt). */
export interface FaultAcct {
  minFlt: number;
  majFlt: number;
}

// vm_fault_t bits
export const VM_FAULT_OOM = 0x1;
export const VM_FAULT_SIGBUS = 0x2;
export const VM_FAULT_MAJOR = 0x4;
export const VM_FAULT_SIGSEGV = 0x40;
export const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV;

/**
 * Who takes a fault, for how a VM_FAULT_RETRY (the lock dropped for I/O) is counted: the user fault
 * handler retries with FAULT_FLAG_TRIED only after a major fault; __mm_populate() (MAP_POPULATE,
 * mlock) restarts populate_vma_page_range() with a fresh fault (never TRIED); MADV_POPULATE_*
 * (__get_user_pages_locked) retries with FOLL_TRIED. mm_account_fault() counts a TRIED fault as major.
 */
export const FAULT_USER = 0, FAULT_GUP_POPULATE = 1, FAULT_GUP_LOCKED = 2;
/** populate_vma_page_range(..., NULL) (mprotect of locked memory): no FOLL_UNLOCKABLE, so no retry at all. */
export const FAULT_GUP_NORETRY = 3;
let faultCaller = FAULT_USER;

/** fault_around_bytes / PAGE_SIZE. */
export const FAULT_AROUND_PAGES = 16;

/**
 * do_user_addr_fault(): resolves a #PF at `address` with hardware `errorCode` in `mm`.
 * Returns 0 when resolved (restart the access), otherwise the signal to send; kmm.fault has the details.
 */
export function handleMmFault(kmm: KernelMm, mm: Mm, address: number, errorCode: number, acct: FaultAcct): number {
  const f = kmm.fault;
  f.signal = 0;
  f.siCode = 0;
  f.major = false;
  f.decision = '';
  kmm.charge(COST_FAULT_HANDLER);
  // fault_in_kernel_space(): the kernel half (and the non-canonical hole) → bad_area_nosemaphore
  if (!(address >= 0 && address < TASK_SIZE)) return badArea(kmm, SI_CODES.SEGV_MAPERR);
  if ((errorCode & PFEC_RSVD) !== 0) {
    f.decision = 'bad-pagetable';
    f.signal = SIG.SIGKILL;
    return f.signal;
  }
  let vma = mm.vmas.find(address);
  if (vma === null) return badArea(kmm, SI_CODES.SEGV_MAPERR);
  let grew = false;
  if (vma.start > address) {
    if ((vma.flags & VM_GROWSDOWN) === 0) return badArea(kmm, SI_CODES.SEGV_MAPERR);
    if (expandDownwards(kmm, vma, address) !== 0) return badArea(kmm, SI_CODES.SEGV_MAPERR);
    grew = true;
  }
  if (accessError(errorCode, vma)) {
    return badArea(kmm, (errorCode & PFEC_PK) !== 0 ? SI_CODES.SEGV_PKUERR : SI_CODES.SEGV_ACCERR);
  }
  const ret = doHandleMmFault(kmm, vma, address, (errorCode & PFEC_W) !== 0);
  if ((ret & VM_FAULT_ERROR) !== 0) {
    if ((ret & VM_FAULT_OOM) !== 0) {
      f.decision = 'oom';
      f.signal = SIG.SIGKILL;
    } else if ((ret & VM_FAULT_SIGBUS) !== 0) {
      f.decision = 'sigbus';
      f.signal = SIG.SIGBUS;
      f.siCode = SI_CODES.BUS_ADRERR;
    } else {
      return badArea(kmm, SI_CODES.SEGV_MAPERR);
    }
    return f.signal;
  }
  // mm_account_fault()
  if ((ret & VM_FAULT_MAJOR) !== 0) {
    acct.majFlt++;
    kmm.stats.majorFaults++;
    f.major = true;
  } else {
    acct.minFlt++;
    kmm.stats.minorFaults++;
  }
  if (grew) f.decision = 'stack-growth';
  return 0;
}

function badArea(kmm: KernelMm, code: number): number {
  const f = kmm.fault;
  f.signal = SIG.SIGSEGV;
  f.siCode = code;
  f.decision = code === SI_CODES.SEGV_MAPERR ? 'sigsegv-maperr' : code === SI_CODES.SEGV_PKUERR ? 'sigsegv-pkuerr' : 'sigsegv-accerr';
  return f.signal;
}

/** access_error() (arch/x86/mm/fault.c). */
export function accessError(errorCode: number, vma: Vma): boolean {
  if ((errorCode & PFEC_PK) !== 0) return true;
  if ((errorCode & PFEC_W) !== 0) return (vma.flags & VM_WRITE) === 0;
  if ((errorCode & PFEC_P) !== 0) return true; // read (or fetch) of a present page: protection
  return !vmaIsAccessible(vma.flags);
}

/** expand_downwards() with acct_stack_growth() and the stack guard gap. 0 or -errno. */
export function expandDownwards(kmm: KernelMm, vma: Vma, address: number): number {
  const mm = vma.mm;
  address = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
  if (address < kmm.mmapMinAddr) return -ERRNO.EPERM;
  const prev = vma.prev;
  if (prev !== null && (prev.flags & VM_GROWSDOWN) === 0 && vmaIsAccessible(prev.flags) && address - prev.end < kmm.stackGuardGap) {
    return -ERRNO.ENOMEM;
  }
  anonVmaPrepare(vma);
  if (address >= vma.start) return 0;
  const size = vma.end - address;
  const grow = (vma.start - address) / PAGE_SIZE;
  if (grow > vma.pgoff) return -ERRNO.ENOMEM;
  if (!mayExpandVm(mm, vma.flags, grow)) return -ERRNO.ENOMEM;
  if (size > mm.rlimStack) return -ERRNO.ENOMEM;
  if (!mlockFutureOk(mm, vma.flags, grow * PAGE_SIZE)) return -ERRNO.ENOMEM;
  if ((vma.flags & VM_LOCKED) !== 0) mm.lockedVm += grow;
  vmStatAccount(mm, vma.flags, grow);
  vma.start = address;
  vma.pgoff -= grow;
  mm.vmas.updateBounds(vma);
  return 0;
}

/**
 * handle_mm_fault() → handle_pte_fault() for an access the VMA permits. Returns vm_fault_t bits
 * and sets kmm.fault.decision.
 */
export function doHandleMmFault(kmm: KernelMm, vma: Vma, addr: number, write: boolean, caller = FAULT_USER): number {
  faultCaller = caller;
  const mm = vma.mm;
  const phys = kmm.phys;
  const ea = allocToPte(kmm.frames, phys, mm.pgd, addr, mm);
  if (ea < 0) return VM_FAULT_OOM;
  const lo = phys.read32(ea);
  if ((lo & (PTE_P | PTE_PROTNONE)) === 0) {
    if (vma.special !== null) return doSpecialFault(kmm, vma, ea);
    if (vma.file === null) return doAnonymousPage(kmm, vma, addr, ea, write);
    return doFault(kmm, vma, addr, ea, write);
  }
  const hi = phys.read32(ea + 4);
  if ((lo & PTE_P) === 0) {
    // do_numa_page(): a PROT_NONE pte in an accessible VMA gets the VMA's protection back
    const pfn = entryPfn(lo, hi);
    writeEntry(phys, ea, pfn, (vmPageProtLo(vma) & ~PTE_RW) | (lo & (PTE_D | PTE_SPECIAL)), vmPageProtHi(vma));
    flushTlbPage(kmm, mm, addr);
    kmm.fault.decision = 'numa-restore';
    return 0;
  }
  if (write && (lo & PTE_RW) === 0) return doWpPage(kmm, vma, addr, ea, lo, hi);
  // spurious fault: the PTE already allows the access (pte_mkyoung / pte_mkdirty, flush)
  phys.write32(ea, lo | PTE_A | (write ? PTE_D : 0));
  flushTlbPage(kmm, mm, addr);
  kmm.fault.decision = 'spurious';
  return 0;
}

function doSpecialFault(kmm: KernelMm, vma: Vma, ea: number): number {
  // A special mapping ([vvar]) shows the zero page, read-only.
  writeEntry(kmm.phys, ea, kmm.zeroPfn, (vmPageProtLo(vma) & ~PTE_RW) | PTE_SPECIAL, vmPageProtHi(vma));
  kmm.fault.decision = 'special';
  return 0;
}

/** do_anonymous_page(). */
function doAnonymousPage(kmm: KernelMm, vma: Vma, addr: number, ea: number, write: boolean): number {
  if ((vma.flags & VM_SHARED) !== 0) return VM_FAULT_SIGBUS;
  if (!write) {
    // the shared zero page, read-only, special (not counted in RSS)
    writeEntry(kmm.phys, ea, kmm.zeroPfn, (vmPageProtLo(vma) & ~PTE_RW) | PTE_SPECIAL, vmPageProtHi(vma));
    kmm.fault.decision = 'zero-page';
    return 0;
  }
  anonVmaPrepare(vma);
  const pfn = kmm.allocPage(vma.mm);
  if (pfn < 0) return VM_FAULT_OOM;
  kmm.phys.zeroFrame(pfn);
  kmm.charge(COST_ZERO_PAGE);
  kmm.frames.flags[pfn] = PG_ANON | PG_SWAPBACKED | PG_ANON_EXCLUSIVE | ((vma.flags & VM_LOCKED) !== 0 ? PG_MLOCKED : 0);
  kmm.frames.index[pfn] = addr / PAGE_SIZE;
  let lo = vmPageProtLo(vma);
  if ((vma.flags & VM_WRITE) !== 0) lo |= PTE_RW | PTE_D;
  mapNewPte(kmm, vma.mm, ea, pfn, lo, vmPageProtHi(vma), false);
  kmm.stats.zeroFills++;
  kmm.fault.decision = 'demand-zero';
  return 0;
}

/** do_fault(): file and shmem mappings. */
function doFault(kmm: KernelMm, vma: Vma, addr: number, ea: number, write: boolean): number {
  if (!write) return doReadFault(kmm, vma, addr, ea);
  if ((vma.flags & VM_SHARED) === 0) return doCowFault(kmm, vma, addr, ea);
  return doSharedFault(kmm, vma, addr, ea);
}

/** Set by filemapFault: the page was read from the device (major) / the lock was dropped for I/O (retry). */
const faultFlag = { major: false, retry: false };

/** The vm_fault_t major bit of a file fault as mm_account_fault() will count it (see faultCaller). */
function fileFaultMajor(): number {
  if (faultFlag.major) return faultCaller === FAULT_GUP_POPULATE ? 0 : VM_FAULT_MAJOR;
  if (faultCaller === FAULT_GUP_NORETRY) return 0;
  if (faultFlag.retry) return faultCaller === FAULT_GUP_LOCKED ? VM_FAULT_MAJOR : 0;
  return 0;
}

/** filemap_fault() / shmem_fault(): the page at pgoff, or -(vm_fault bits) on error. */
function filemapFault(kmm: KernelMm, vma: Vma, pgoff: number): number {
  const as = vma.file!.mapping;
  if (pgoff >= Math.ceil(as.size / PAGE_SIZE)) return -VM_FAULT_SIGBUS;
  faultFlag.major = false;
  faultFlag.retry = false;
  const mode = (vma.flags & VM_RAND_READ) !== 0 ? 'rand' : (vma.flags & VM_SEQ_READ) !== 0 ? 'seq' : 'around';
  const pfn = as.getPage(pgoff, faultFlag, mode);
  // the OOM killer may have chosen this very process while the page was read in
  if (pfn < 0 || vma.mm.dead) return -VM_FAULT_OOM;
  // do_async_mmap_readahead(): a cached page marked PG_readahead starts the next window (not with MADV_RANDOM)
  if (!faultFlag.major && (kmm.frames.flags[pfn] & PG_READAHEAD) !== 0 && mode !== 'rand') {
    as.hitReadahead(pgoff);
    faultFlag.retry = true; // maybe_unlock_mmap_for_io(): VM_FAULT_RETRY (not major, so no FAULT_FLAG_TRIED)
  }
  kmm.frames.flags[pfn] |= PG_REFERENCED;
  return pfn;
}

/** do_read_fault(): fault-around first, then ->fault for the page itself. */
function doReadFault(kmm: KernelMm, vma: Vma, addr: number, ea: number): number {
  if (doFaultAround(kmm, vma, addr, ea)) {
    kmm.fault.decision = 'page-cache-hit';
    return 0;
  }
  const pfn = filemapFault(kmm, vma, vma.pgoffOf(addr));
  if (pfn < 0) return -pfn;
  if ((faultFlag.major || faultFlag.retry) && !vma.file!.mapping.shmem && faultCaller !== FAULT_GUP_NORETRY) {
    // filemap_fault() dropped the lock for I/O (maybe_unlock_mmap_for_io: the read of a missing
    // page, or async readahead from a PG_readahead page) and returned VM_FAULT_RETRY; the retried
    // fault maps the page and its cached neighbours by fault-around (do_read_fault).
    const ret = fileFaultMajor();
    const pfn2 = vma.file!.mapping.findPage(vma.pgoffOf(addr));
    // a fresh (not TRIED) retry of a marked page starts async readahead and retries once more
    if (ret === 0 && pfn2 >= 0 && (kmm.frames.flags[pfn2] & PG_READAHEAD) !== 0 && (vma.flags & VM_RAND_READ) === 0) {
      vma.file!.mapping.hitReadahead(vma.pgoffOf(addr));
    }
    if (doFaultAround(kmm, vma, addr, ea)) {
      kmm.fault.decision = ret !== 0 ? 'major' : 'page-cache-hit';
      return ret;
    }
  }
  mapNewPte(kmm, vma.mm, ea, pfn, vmPageProtLo(vma), vmPageProtHi(vma), true);
  if (faultFlag.major || faultFlag.retry) {
    const ret = fileFaultMajor();
    kmm.fault.decision = ret !== 0 ? 'major' : 'page-cache-hit';
    return ret;
  }
  kmm.fault.decision = vma.file!.mapping.shmem ? 'shmem' : 'page-cache-hit';
  return 0;
}

/**
 * do_fault_around() → filemap_map_pages(): maps the already-cached pages of a 16-page window
 * computed on page-table indices. Returns true when the faulting page itself got mapped.
 */
function doFaultAround(kmm: KernelMm, vma: Vma, addr: number, ea: number): boolean {
  const as = vma.file!.mapping;
  const pteOff = Math.floor(addr / PAGE_SIZE) & 511;
  const pgoff = vma.pgoffOf(addr);
  const vmaOff = pgoff - vma.pgoff;
  const fromPte = Math.max(pteOff - (pteOff % FAULT_AROUND_PAGES), pteOff - Math.min(pteOff, vmaOff));
  const toPte = Math.min(fromPte + FAULT_AROUND_PAGES, 512, pteOff + vma.pages - vmaOff) - 1;
  const startPgoff = pgoff + fromPte - pteOff;
  let endPgoff = pgoff + toPte - pteOff;
  const fileEnd = Math.ceil(as.size / PAGE_SIZE) - 1;
  if (endPgoff > fileEnd) endPgoff = fileEnd;
  const ptBase = ea - pteOff * 8;
  const phys = kmm.phys;
  const lo = vmPageProtLo(vma);
  const hi = vmPageProtHi(vma);
  let hit = false;
  for (let p = startPgoff; p <= endPgoff; p++) {
    const pfn = as.findPage(p);
    // next_uptodate_folio(): a PG_readahead folio is left for ->fault (which starts async readahead)
    if (pfn < 0 || (kmm.frames.flags[pfn] & PG_READAHEAD) !== 0) continue;
    const slot = ptBase + (fromPte + (p - startPgoff)) * 8;
    if (phys.read32(slot) !== 0 || phys.read32(slot + 4) !== 0) continue;
    mapNewPte(kmm, vma.mm, slot, pfn, lo, hi, true);
    if (p === pgoff) hit = true;
  }
  return hit;
}

/** do_cow_fault(): a write to an unmapped page of a private file mapping. */
function doCowFault(kmm: KernelMm, vma: Vma, addr: number, ea: number): number {
  anonVmaPrepare(vma);
  const cow = kmm.allocPage(vma.mm);
  if (cow < 0) return VM_FAULT_OOM;
  const pfn = filemapFault(kmm, vma, vma.pgoffOf(addr));
  if (pfn < 0) {
    putPage(kmm, cow);
    return -pfn;
  }
  kmm.phys.copyFrame(cow, pfn);
  kmm.charge(COST_COPY_PAGE);
  kmm.frames.flags[cow] = PG_ANON | PG_SWAPBACKED | PG_ANON_EXCLUSIVE | ((vma.flags & VM_LOCKED) !== 0 ? PG_MLOCKED : 0);
  kmm.frames.index[cow] = addr / PAGE_SIZE;
  let lo = vmPageProtLo(vma) | PTE_D;
  if ((vma.flags & VM_WRITE) !== 0) lo |= PTE_RW;
  mapNewPte(kmm, vma.mm, ea, cow, lo, vmPageProtHi(vma), false);
  kmm.stats.cowCopies++;
  const major = fileFaultMajor();
  kmm.fault.decision = major !== 0 ? 'major' : 'cow-copy';
  return major;
}

/** do_shared_fault(): a write to an unmapped page of a shared mapping (page_mkwrite, then dirty). */
function doSharedFault(kmm: KernelMm, vma: Vma, addr: number, ea: number): number {
  const pfn = filemapFault(kmm, vma, vma.pgoffOf(addr));
  if (pfn < 0) return -pfn;
  mapNewPte(kmm, vma.mm, ea, pfn, vmPageProtLo(vma) | PTE_RW | PTE_D, vmPageProtHi(vma), true);
  kmm.frames.flags[pfn] |= PG_DIRTY; // fault_dirty_shared_page()
  const major = fileFaultMajor();
  kmm.fault.decision = major !== 0 ? 'major' : 'shared-write';
  return major;
}

/** do_wp_page(): a write to a present read-only PTE of a writable VMA. */
function doWpPage(kmm: KernelMm, vma: Vma, addr: number, ea: number, lo: number, hi: number): number {
  const fr = kmm.frames;
  const mm = vma.mm;
  const special = (lo & PTE_SPECIAL) !== 0;
  const pfn = entryPfn(lo, hi);
  if ((vma.flags & (VM_SHARED | VM_MAYSHARE)) !== 0 && !special) {
    // wp_page_shared(): page_mkwrite + wp_page_reuse + fault_dirty_shared_page
    writeEntry(kmm.phys, ea, pfn, lo | PTE_RW | PTE_D | PTE_A, hi);
    flushTlbPage(kmm, mm, addr);
    fr.flags[pfn] |= PG_DIRTY;
    kmm.fault.decision = 'shared-write';
    return 0;
  }
  if (!special && (fr.flags[pfn] & PG_ANON) !== 0 && ((fr.flags[pfn] & PG_ANON_EXCLUSIVE) !== 0 || fr.refcount[pfn] === 1)) {
    // wp_page_reuse()
    fr.flags[pfn] |= PG_ANON_EXCLUSIVE;
    writeEntry(kmm.phys, ea, pfn, lo | PTE_RW | PTE_D | PTE_A, hi);
    flushTlbPage(kmm, mm, addr);
    kmm.stats.cowReuses++;
    kmm.fault.decision = 'cow-reuse';
    return 0;
  }
  // wp_page_copy()
  anonVmaPrepare(vma);
  const np = kmm.allocPage(mm);
  if (np < 0) return VM_FAULT_OOM;
  const fromZero = special || (fr.flags[pfn] & PG_ZERO) !== 0;
  if (fromZero) {
    kmm.phys.zeroFrame(np);
    kmm.charge(COST_ZERO_PAGE);
    mm.rss[MM_ANONPAGES]++;
  } else {
    kmm.phys.copyFrame(np, pfn);
    kmm.charge(COST_COPY_PAGE);
    if ((fr.flags[pfn] & PG_ANON) === 0) {
      mm.rss[mmCounter(kmm, pfn)]--;
      mm.rss[MM_ANONPAGES]++;
    }
  }
  fr.flags[np] = PG_ANON | PG_SWAPBACKED | PG_ANON_EXCLUSIVE | ((vma.flags & VM_LOCKED) !== 0 ? PG_MLOCKED : 0);
  fr.index[np] = addr / PAGE_SIZE;
  fr.mapcount[np] = 1;
  writeEntry(kmm.phys, ea, np, vmPageProtLo(vma) | PTE_RW | PTE_D | PTE_A, vmPageProtHi(vma));
  flushTlbPage(kmm, mm, addr);
  if (!fromZero) {
    fr.mapcount[pfn]--;
    putPage(kmm, pfn);
  }
  kmm.stats.cowCopies++;
  kmm.fault.decision = fromZero ? 'cow-zero' : 'cow-copy';
  return 0;
}

/**
 * follow_page_pte() with FOLL_TOUCH for a page GUP finds present (and writable when FOLL_WRITE):
 * a FOLL_WRITE lookup of a clean PTE marks the folio dirty (folio_mark_dirty), e.g. an anonymous
 * page after MADV_FREE or a shmem page mapped writable by a read fault; folio_mark_accessed().
 */
export function followPageTouch(kmm: KernelMm, lo: number, hi: number, write: boolean): void {
  if ((lo & PTE_SPECIAL) !== 0) return; // the zero page: vm_normal_page() is NULL
  const pfn = entryPfn(lo, hi);
  const fr = kmm.frames;
  if (write && (lo & PTE_D) === 0) fr.flags[pfn] |= PG_DIRTY;
  fr.flags[pfn] |= PG_REFERENCED;
}

/**
 * populate_vma_page_range() via __get_user_pages(): faults in [start, end) of one VMA as GUP does
 * (FOLL_WRITE for private writable mappings, so COW is broken), counting each fault in `acct`.
 * Returns 0 or -errno (-EFAULT for SIGBUS/inaccessible, -ENOMEM for OOM).
 */
export function populateVmaPageRange(kmm: KernelMm, vma: Vma, start: number, end: number, acct: FaultAcct, caller = FAULT_GUP_POPULATE): number {
  if ((vma.flags & VM_LOCKONFAULT) !== 0) return 0;
  if (!vmaIsAccessible(vma.flags)) return -ERRNO.EFAULT;
  const write = (vma.flags & (VM_WRITE | VM_SHARED)) === VM_WRITE;
  const phys = kmm.phys;
  const mm = vma.mm;
  for (let addr = start; addr < end; addr += PAGE_SIZE) {
    const ea = walkToPte(phys, mm.pgd, addr);
    if (ea >= 0) {
      const lo = phys.read32(ea);
      if ((lo & PTE_P) !== 0 && (!write || (lo & PTE_RW) !== 0)) {
        followPageTouch(kmm, lo, phys.read32(ea + 4), write);
        continue;
      }
    }
    const ret = doHandleMmFault(kmm, vma, addr, write, caller);
    if ((ret & VM_FAULT_ERROR) !== 0) return (ret & VM_FAULT_OOM) !== 0 ? -ERRNO.ENOMEM : -ERRNO.EFAULT;
    if ((ret & VM_FAULT_MAJOR) !== 0) acct.majFlt++;
    else acct.minFlt++;
  }
  return 0;
}

/** __mm_populate(): populates every VMA overlapping [start, start+len). */
export function mmPopulate(kmm: KernelMm, mm: Mm, start: number, len: number, ignoreErrors: boolean, acct: FaultAcct): number {
  const end = start + len;
  let nstart = start;
  while (nstart < end) {
    const vma = mm.vmas.findIntersection(nstart, end);
    if (vma === null) break;
    const nend = Math.min(end, vma.end);
    if ((vma.flags & (VM_IO | VM_PFNMAP)) !== 0) {
      nstart = nend;
      continue;
    }
    if (nstart < vma.start) nstart = vma.start;
    const ret = populateVmaPageRange(kmm, vma, nstart, nend, acct);
    if (ret < 0 && !ignoreErrors) return ret;
    nstart = nend;
  }
  return 0;
}

void PFEC_I;
