// mmap, munmap, brk (mm/mmap.c, mm/vma.c, arch/x86/kernel/sys_x86_64.c).
import { PROT as PROT_, MAP as MAP_, ERRNO as ERRNO_ } from '../uapi/constants.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { Vma, type VmFile, PAGE_SIZE as PAGE_SIZE_, PMD_SIZE as PMD_SIZE_, TASK_SIZE as TASK_SIZE_, DEFAULT_MAP_WINDOW as DEFAULT_MAP_WINDOW_, VM_READ as VM_READ_, VM_WRITE as VM_WRITE_, VM_EXEC as VM_EXEC_, VM_SHARED as VM_SHARED_, VM_MAYSHARE as VM_MAYSHARE_, VM_MAYREAD as VM_MAYREAD_, VM_MAYWRITE as VM_MAYWRITE_, VM_MAYEXEC as VM_MAYEXEC_, VM_GROWSDOWN as VM_GROWSDOWN_, VM_LOCKED as VM_LOCKED_, VM_LOCKED_MASK as VM_LOCKED_MASK_, VM_SYNC as VM_SYNC_, VM_NOHUGEPAGE as VM_NOHUGEPAGE_, VM_NORESERVE as VM_NORESERVE_, VM_ACCOUNT as VM_ACCOUNT_, VM_SOFTDIRTY as VM_SOFTDIRTY_, VM_SPECIAL as VM_SPECIAL_, VM_STARTGAP_FLAGS as VM_STARTGAP_FLAGS_, VM_DATA_DEFAULT_FLAGS as VM_DATA_DEFAULT_FLAGS_, vmStartGap as vmStartGap_, vmEndGap as vmEndGap_, pageAlign as pageAlign_ } from './vma.ts';
import { linkVma as linkVma_, unlinkVma as unlinkVma_, mergeNewRange as mergeNewRange_, splitVma as splitVma_ } from './vma-ops.ts';
import { zapRange as zapRange_, freePgtables as freePgtables_ } from './memory.ts';
import { vmStatAccount as vmStatAccount_, mayExpandVm as mayExpandVm_, mlockFutureOk as mlockFutureOk_ } from './account.ts';
import { mmPopulate as mmPopulate_, type FaultAcct } from './fault.ts';
import { AddressSpace } from './filemap.ts';
import { COST_VMA_OP as COST_VMA_OP_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const vmStartGap = vmStartGap_;
const vmEndGap = vmEndGap_;
const pageAlign = pageAlign_;
const linkVma = linkVma_;
const unlinkVma = unlinkVma_;
const mergeNewRange = mergeNewRange_;
const splitVma = splitVma_;
const zapRange = zapRange_;
const freePgtables = freePgtables_;
const vmStatAccount = vmStatAccount_;
const mayExpandVm = mayExpandVm_;
const mlockFutureOk = mlockFutureOk_;
const mmPopulate = mmPopulate_;
const PROT = PROT_;
const MAP = MAP_;
const ERRNO = ERRNO_;
const PAGE_SIZE = PAGE_SIZE_;
const PMD_SIZE = PMD_SIZE_;
const TASK_SIZE = TASK_SIZE_;
const DEFAULT_MAP_WINDOW = DEFAULT_MAP_WINDOW_;
const VM_READ = VM_READ_;
const VM_WRITE = VM_WRITE_;
const VM_EXEC = VM_EXEC_;
const VM_SHARED = VM_SHARED_;
const VM_MAYSHARE = VM_MAYSHARE_;
const VM_MAYREAD = VM_MAYREAD_;
const VM_MAYWRITE = VM_MAYWRITE_;
const VM_MAYEXEC = VM_MAYEXEC_;
const VM_GROWSDOWN = VM_GROWSDOWN_;
const VM_LOCKED = VM_LOCKED_;
const VM_LOCKED_MASK = VM_LOCKED_MASK_;
const VM_SYNC = VM_SYNC_;
const VM_NOHUGEPAGE = VM_NOHUGEPAGE_;
const VM_NORESERVE = VM_NORESERVE_;
const VM_ACCOUNT = VM_ACCOUNT_;
const VM_SOFTDIRTY = VM_SOFTDIRTY_;
const VM_SPECIAL = VM_SPECIAL_;
const VM_STARTGAP_FLAGS = VM_STARTGAP_FLAGS_;
const VM_DATA_DEFAULT_FLAGS = VM_DATA_DEFAULT_FLAGS_;
const COST_VMA_OP = COST_VMA_OP_;

const MAP_TYPE = 0x0f;
const LEGACY_MAP_MASK = MAP.MAP_SHARED | MAP.MAP_PRIVATE | MAP.MAP_FIXED | MAP.MAP_ANONYMOUS | MAP.MAP_DENYWRITE |
  MAP.MAP_EXECUTABLE | MAP.MAP_UNINITIALIZED | MAP.MAP_GROWSDOWN | MAP.MAP_LOCKED | MAP.MAP_NORESERVE |
  MAP.MAP_POPULATE | MAP.MAP_NONBLOCK | MAP.MAP_STACK | MAP.MAP_HUGETLB | 0x40 /* MAP_32BIT */;

let nextShmemIno = 1000;

/** calc_vm_prot_bits(). */
export function calcVmProtBits(prot: number): number {
  return (prot & PROT.PROT_READ ? VM_READ : 0) | (prot & PROT.PROT_WRITE ? VM_WRITE : 0) | (prot & PROT.PROT_EXEC ? VM_EXEC : 0);
}

/** calc_vm_flag_bits(). */
function calcVmFlagBits(flags: number): number {
  return (flags & MAP.MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP.MAP_LOCKED ? VM_LOCKED : 0) |
    (flags & MAP.MAP_SYNC ? VM_SYNC : 0) | (flags & MAP.MAP_STACK ? VM_NOHUGEPAGE : 0);
}

/**
 * vm_unmapped_area(): top-down (unmapped_area_topdown) or bottom-up (unmapped_area) search for
 * `length` bytes in [low, high), honouring the stack guard gap of grows-down neighbours.
 */
function vmUnmappedArea(kmm: KernelMm, mm: Mm, topdown: boolean, length: number, low: number, high: number, alignMask: number, alignOffset: number): number {
  const total = length + alignMask;
  if (low < kmm.mmapMinAddr) low = kmm.mmapMinAddr;
  const tree = mm.vmas;
  for (let guard = 0; guard < 64; guard++) {
    if (topdown) {
      const gapEnd = tree.highestGap(low, high, total);
      if (gapEnd < 0) return -ERRNO.ENOMEM;
      let gap = gapEnd - length;
      gap -= ((gap - alignOffset) % (alignMask + 1) + (alignMask + 1)) % (alignMask + 1);
      const tmp = tree.gapNext;
      if (tmp !== null && (tmp.flags & VM_STARTGAP_FLAGS) !== 0) {
        if (vmStartGap(tmp, kmm.stackGuardGap) < gapEnd) {
          high = vmStartGap(tmp, kmm.stackGuardGap);
          continue;
        }
      } else {
        const prev = tmp !== null ? tmp.prev : tree.last;
        if (prev !== null && vmEndGap(prev) > gap) {
          high = prev.start;
          continue;
        }
      }
      return gap;
    } else {
      const gapStart = tree.lowestGap(low, high, total);
      if (gapStart < 0) return -ERRNO.ENOMEM;
      let gap = gapStart;
      gap += ((alignOffset - gap) % (alignMask + 1) + (alignMask + 1)) % (alignMask + 1);
      const tmp = tree.find(gap);
      if (tmp !== null && (tmp.flags & VM_STARTGAP_FLAGS) !== 0 && vmStartGap(tmp, kmm.stackGuardGap) < gap + length) {
        low = tmp.end;
        continue;
      }
      return gap;
    }
  }
  return -ERRNO.ENOMEM;
}

/** arch_get_unmapped_area_topdown() / arch_get_unmapped_area() (x86-64). */
function archGetUnmappedArea(kmm: KernelMm, mm: Mm, addr: number, len: number, flags: number, alignMask: number, alignOffset: number): number {
  if (len > TASK_SIZE) return -ERRNO.ENOMEM;
  if ((flags & MAP.MAP_FIXED) !== 0) return addr;
  if (addr !== 0) {
    addr = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    // mmap_address_hint_valid()
    if (TASK_SIZE - len >= addr && (addr > DEFAULT_MAP_WINDOW) === (addr + len > DEFAULT_MAP_WINDOW)) {
      const vma = mm.vmas.find(addr);
      if (vma === null || addr + len <= vmStartGap(vma, kmm.stackGuardGap)) return addr;
    }
  }
  if (mm.topDown && (flags & 0x40) === 0) {
    const a = vmUnmappedArea(kmm, mm, true, len, PAGE_SIZE, mm.mmapBase, alignMask, alignOffset);
    if (a >= 0) return a;
  }
  // bottom-up from mmap_legacy_base
  return vmUnmappedArea(kmm, mm, false, len, mm.mmapLegacyBase, TASK_SIZE, alignMask, alignOffset);
}

/**
 * __get_unmapped_area(): chooses (or checks) the address of a new mapping. Anonymous private
 * mappings without a hint whose length is a multiple of 2 MiB are aligned to 2 MiB, as are file
 * mappings (thp_get_unmapped_area) that cover an aligned 2 MiB of the file.
 */
export function getUnmappedArea(kmm: KernelMm, mm: Mm, file: VmFile | null, addr: number, len: number, pgoff: number, flags: number): number {
  if (len > TASK_SIZE) return -ERRNO.ENOMEM;
  const shmemAnon = file === null && (flags & MAP.MAP_SHARED) !== 0;
  const fileThp = file !== null && !file.mapping.shmem;
  if (file === null) pgoff = 0;
  let res: number;
  if (((file === null && !shmemAnon && addr === 0 && len % PMD_SIZE === 0) || fileThp) && (flags & MAP.MAP_FIXED) === 0) {
    res = thpGetUnmappedArea(kmm, mm, file, addr, len, pgoff * PAGE_SIZE, flags);
  } else {
    res = archGetUnmappedArea(kmm, mm, addr, len, flags, 0, pgoff * PAGE_SIZE);
  }
  if (res < 0) return res;
  if (res > TASK_SIZE - len) return -ERRNO.ENOMEM;
  if (res % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  return res;
}

/** thp_get_unmapped_area_vmflags() → __thp_get_unmapped_area(PMD_SIZE). */
function thpGetUnmappedArea(kmm: KernelMm, mm: Mm, file: VmFile | null, addr: number, len: number, off: number, flags: number): number {
  const size = PMD_SIZE;
  const offEnd = off + len;
  const offAlign = Math.ceil(off / size) * size;
  if (!(offEnd <= offAlign || offEnd - offAlign < size)) {
    const lenPad = len + size;
    const ret = archGetUnmappedArea(kmm, mm, addr, lenPad, flags, 0, off);
    if (ret >= 0) {
      if (ret === addr) return addr;
      const offSub = (((off - ret) % size) + size) % size;
      if (mm.topDown && offSub === 0) return ret + size;
      return ret + offSub;
    }
  }
  return archGetUnmappedArea(kmm, mm, addr, len, flags, 0, off);
}

/** accountable_mapping(): private writable mappings are charged (VM_ACCOUNT). */
function accountableMapping(flags: number): boolean {
  return (flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) === VM_WRITE;
}

/**
 * The mmap system call (arch/x86/kernel/sys_x86_64.c sys_mmap → ksys_mmap_pgoff → do_mmap).
 * `getFile(fd)` resolves the descriptor (null: EBADF). Returns the address or -errno.
 */
export function ksysMmap(kmm: KernelMm, mm: Mm, addr: number, len: number, prot: number, flags: number, fd: number, off: number,
  getFile: (fd: number) => VmFile | null, acct: FaultAcct): number {
  if (off % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  let file: VmFile | null = null;
  if ((flags & MAP.MAP_ANONYMOUS) === 0) {
    file = getFile(fd);
    if (file === null) return -ERRNO.EBADF;
    // ksys_mmap_pgoff(): MAP_HUGETLB is only for hugetlbfs files
    if ((flags & MAP.MAP_HUGETLB) !== 0) return -ERRNO.EINVAL;
  } else if ((flags & MAP.MAP_HUGETLB) !== 0) {
    return -ERRNO.ENOMEM; // no huge pages reserved (hugetlb_file_setup fails)
  }
  return doMmap(kmm, mm, file, addr, len, prot, flags, off / PAGE_SIZE, acct);
}

/** vm_mmap(): do_mmap + populate, for in-kernel users (binfmt_elf). `off` in bytes. */
export function vmMmap(kmm: KernelMm, mm: Mm, file: VmFile | null, addr: number, len: number, prot: number, flags: number, off: number, acct: FaultAcct): number {
  if (off % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  return doMmap(kmm, mm, file, addr, len, prot, flags, off / PAGE_SIZE, acct);
}

/** do_mmap() + mm_populate() (vm_mmap_pgoff). Returns the address or -errno. */
export function doMmap(kmm: KernelMm, mm: Mm, file: VmFile | null, addr: number, len: number, prot: number, flags: number, pgoff: number, acct: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  if (len === 0) return -ERRNO.EINVAL;
  if ((flags & MAP.MAP_FIXED_NOREPLACE) !== 0) flags |= MAP.MAP_FIXED;
  if ((flags & MAP.MAP_FIXED) === 0) {
    // round_hint_to_min()
    addr = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    if (addr !== 0 && addr < kmm.mmapMinAddr) addr = Math.ceil(kmm.mmapMinAddr / PAGE_SIZE) * PAGE_SIZE;
  }
  len = pageAlign(len);
  if (len === 0 || len > 2 ** 64 - PAGE_SIZE) return -ERRNO.ENOMEM;
  if (pgoff + len / PAGE_SIZE > 2 ** 64 / PAGE_SIZE) return -ERRNO.EOVERFLOW;
  if (mm.mapCount > kmm.maxMapCount) return -ERRNO.ENOMEM;
  let vmFlags = calcVmProtBits(prot) | calcVmFlagBits(flags) | mm.defFlags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  addr = getUnmappedArea(kmm, mm, file, addr, len, pgoff, flags);
  if (addr < 0) return addr;
  if ((flags & MAP.MAP_FIXED_NOREPLACE) !== 0 && mm.vmas.findIntersection(addr, addr + len) !== null) return -ERRNO.EEXIST;
  if (!mlockFutureOk(mm, vmFlags, len)) return -ERRNO.EAGAIN;
  if (file !== null) {
    // file_mmap_ok(): the range must fit the maximum file size (MAX_LFS_FILESIZE)
    if (pgoff * PAGE_SIZE + len > 2 ** 63) return -ERRNO.EOVERFLOW;
    switch (flags & MAP_TYPE) {
      case MAP.MAP_SHARED:
      case MAP.MAP_SHARED_VALIDATE:
        if ((flags & MAP_TYPE) === MAP.MAP_SHARED) flags &= LEGACY_MAP_MASK;
        else if ((flags & ~LEGACY_MAP_MASK) !== 0) return -ERRNO.EOPNOTSUPP;
        if ((prot & PROT.PROT_WRITE) !== 0 && !file.writable) return -ERRNO.EACCES;
        if (file.append === true && file.writable) return -ERRNO.EACCES;
        vmFlags |= VM_SHARED | VM_MAYSHARE;
        if (!file.writable) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
        if (!file.readable) return -ERRNO.EACCES;
        if ((vmFlags & VM_GROWSDOWN) !== 0) return -ERRNO.EINVAL;
        break;
      case MAP.MAP_PRIVATE:
        if (!file.readable) return -ERRNO.EACCES;
        if ((vmFlags & VM_GROWSDOWN) !== 0) return -ERRNO.EINVAL;
        break;
      default:
        return -ERRNO.EINVAL;
    }
  } else {
    switch (flags & MAP_TYPE) {
      case MAP.MAP_SHARED:
        if ((vmFlags & VM_GROWSDOWN) !== 0) return -ERRNO.EINVAL;
        pgoff = 0;
        vmFlags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP.MAP_PRIVATE:
        pgoff = addr / PAGE_SIZE;
        break;
      default:
        return -ERRNO.EINVAL;
    }
  }
  if ((flags & MAP.MAP_NORESERVE) !== 0) vmFlags |= VM_NORESERVE;
  const r = mmapRegion(kmm, mm, file, addr, len, vmFlags, pgoff);
  if (r < 0) return r;
  if ((vmFlags & VM_LOCKED) !== 0 || (flags & (MAP.MAP_POPULATE | MAP.MAP_NONBLOCK)) === MAP.MAP_POPULATE) {
    mmPopulate(kmm, mm, r, len, true, acct);
  }
  return r;
}

/** mmap_region(): unmaps what is in the way (MAP_FIXED), merges or inserts the new VMA, accounts it. */
export function mmapRegion(kmm: KernelMm, mm: Mm, file: VmFile | null, addr: number, len: number, vmFlags: number, pgoff: number): number {
  const pglen = len / PAGE_SIZE;
  const end = addr + len;
  if (!mayExpandVm(mm, vmFlags, pglen)) {
    const nr = countVmaPagesRange(mm, addr, end);
    if (!mayExpandVm(mm, vmFlags, pglen - nr)) return -ERRNO.ENOMEM;
  }
  const inTheWay = mm.vmas.find(addr);
  if (inTheWay !== null && inTheWay.start < end) {
    const e = doVmiMunmap(kmm, mm, addr, len);
    if (e < 0) return e;
  }
  if (accountableMapping(vmFlags)) vmFlags |= VM_ACCOUNT;
  let mapFile = file;
  if (file === null && (vmFlags & VM_SHARED) !== 0) {
    // shmem_zero_setup(): a new shmem object "/dev/zero (deleted)" of the mapping's size
    const as = new AddressSpace(kmm, { ino: nextShmemIno++, shmem: true, size: len, devMajor: 0, devMinor: 1 });
    as.autoRelease = true;
    mapFile = { mapping: as, path: '/dev/zero (deleted)', readable: true, writable: true };
  }
  let vma: Vma | null = null;
  if (mapFile === file) vma = mergeNewRange(kmm, mm, addr, end, vmFlags, file, pgoff);
  if (vma === null) {
    // (the only map_count check is do_mmap's "map_count > max_map_count")
    vma = new Vma(mm, addr, end, vmFlags, pgoff, mapFile);
    linkVma(mm, vma);
  }
  vmStatAccount(mm, vmFlags, pglen);
  if ((vmFlags & VM_LOCKED) !== 0) {
    if ((vmFlags & VM_SPECIAL) !== 0) vma.flags &= ~VM_LOCKED_MASK;
    else mm.lockedVm += pglen;
  }
  vma.flags |= VM_SOFTDIRTY;
  return addr;
}

/** count_vma_pages_range(). */
function countVmaPagesRange(mm: Mm, start: number, end: number): number {
  let n = 0;
  for (let v = mm.vmas.findIntersection(start, end); v !== null && v.start < end; v = v.next) {
    n += (Math.min(end, v.end) - Math.max(start, v.start)) / PAGE_SIZE;
  }
  return n;
}

/** The munmap system call (__vm_munmap → do_vmi_munmap). */
export function doMunmap(kmm: KernelMm, mm: Mm, start: number, len: number): number {
  kmm.charge(COST_VMA_OP);
  return doVmiMunmap(kmm, mm, start, len);
}

/** do_vmi_munmap(): argument checks, then do_vmi_align_munmap. */
export function doVmiMunmap(kmm: KernelMm, mm: Mm, start: number, len: number): number {
  if (start % PAGE_SIZE !== 0 || start > TASK_SIZE || len > TASK_SIZE - start) return -ERRNO.EINVAL;
  const end = start + pageAlign(len);
  if (end === start) return -ERRNO.EINVAL;
  const vma = mm.vmas.findIntersection(start, end);
  if (vma === null) return 0;
  return doVmiAlignMunmap(kmm, mm, vma, start, end);
}

/** do_vmi_align_munmap(): split at the ends, detach, zap pages, free page tables, account. */
export function doVmiAlignMunmap(kmm: KernelMm, mm: Mm, vma: Vma, start: number, end: number): number {
  if (start > vma.start) {
    if (end < vma.end && mm.mapCount >= kmm.maxMapCount) return -ERRNO.ENOMEM;
    if (splitVma(kmm, vma, start, true, false) === null) return -ERRNO.ENOMEM;
  }
  // collect VMAs inside [start, end)
  const victims: Vma[] = [];
  for (let v: Vma | null = vma; v !== null && v.start < end; v = v.next) victims.push(v);
  const last = victims[victims.length - 1];
  if (last.end > end) {
    if (splitVma(kmm, last, end, false, false) === null) return -ERRNO.ENOMEM;
  }
  mm.updateHiwaterVm();
  for (const v of victims) {
    zapRange(kmm, v, v.start, v.end, null);
    if ((v.flags & VM_LOCKED) !== 0) mm.lockedVm -= v.pages;
    vmStatAccount(mm, v.flags, -v.pages);
    unlinkVma(mm, v);
  }
  freePgtables(kmm, mm, start, end);
  return 0;
}

/** The brk system call (mm/mmap.c SYSCALL_DEFINE1(brk)). Returns the new (or unchanged) break. */
export function doBrk(kmm: KernelMm, mm: Mm, brk: number, acct: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  const origbrk = mm.brk;
  const minBrk = mm.startBrk;
  if (brk < minBrk) return origbrk;
  // check_data_rlimit()
  if (mm.rlimData !== Infinity && brk - mm.startBrk + (mm.endData - mm.startData) > mm.rlimData) return origbrk;
  const newbrk = pageAlign(brk);
  const oldbrk = pageAlign(mm.brk);
  if (oldbrk === newbrk) {
    mm.brk = brk;
    return brk;
  }
  if (brk <= mm.brk) {
    const brkvma = mm.vmas.findIntersection(newbrk, oldbrk);
    if (brkvma === null || brkvma.start >= oldbrk) return origbrk;
    mm.brk = brk;
    if (doVmiMunmap(kmm, mm, newbrk, oldbrk - newbrk) < 0) {
      mm.brk = origbrk;
      return origbrk;
    }
    return brk;
  }
  // check_brk_limits(): get_unmapped_area(MAP_FIXED) of the growth must succeed
  if (newbrk > TASK_SIZE) return origbrk;
  // Check against existing mmap mappings (and a grows-down VMA's guard gap).
  const next = mm.vmas.findIntersection(oldbrk, newbrk + PAGE_SIZE + kmm.stackGuardGap);
  if (next !== null && newbrk + PAGE_SIZE > vmStartGap(next, kmm.stackGuardGap)) return origbrk;
  // vma_prev_limit(&vmi, mm->start_brk): only a VMA reaching above start_brk is the brk VMA
  // (a .bss ending exactly at start_brk is not extended: the heap gets its own VMA).
  const prev = mm.vmas.findPrev(oldbrk);
  const brkvma = prev !== null && prev.end > mm.startBrk ? prev : null;
  if (doBrkFlags(kmm, mm, brkvma, oldbrk, newbrk - oldbrk, 0) < 0) return origbrk;
  mm.brk = brk;
  if ((mm.defFlags & VM_LOCKED) !== 0) mmPopulate(kmm, mm, oldbrk, newbrk - oldbrk, true, acct);
  return brk;
}

/** do_brk_flags(): extends `vma` (the VMA ending at addr) or creates an anonymous data VMA. */
export function doBrkFlags(kmm: KernelMm, mm: Mm, vma: Vma | null, addr: number, len: number, flags: number): number {
  flags |= VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | mm.defFlags;
  const npages = len / PAGE_SIZE;
  if (!mayExpandVm(mm, flags, npages)) return -ERRNO.ENOMEM;
  if (mm.mapCount > kmm.maxMapCount) return -ERRNO.ENOMEM;
  let target: Vma | null = null;
  // "singular lists do not occur after forking, so the expand will only happen on new VMAs":
  // a heap VMA whose anon_vma came from the parent is not extended (is_mergeable_anon_vma case 2)
  if (vma !== null && vma.end === addr && vma.file === null && vma.special === null &&
    ((vma.flags ^ flags) & ~VM_SOFTDIRTY) === 0 && vma.pgoff + vma.pages === addr / PAGE_SIZE &&
    !(vma.anonVma !== null && vma.anonForked)) {
    vma.end = addr + len;
    mm.vmas.updateBounds(vma);
    target = vma;
  }
  if (target === null) {
    target = new Vma(mm, addr, addr + len, flags, addr / PAGE_SIZE, null);
    linkVma(mm, target);
  }
  mm.totalVm += npages;
  mm.dataVm += npages;
  if ((flags & VM_LOCKED) !== 0) mm.lockedVm += npages;
  target.flags |= VM_SOFTDIRTY;
  return 0;
}

/**
 * vm_brk_flags(): an anonymous data mapping at [addr, addr+len) for binfmt_elf's bss, merging
 * with the VMA that ends at addr. `flags` may hold VM_EXEC. Returns 0 or -errno.
 */
export function vmBrkFlags(kmm: KernelMm, mm: Mm, addr: number, len: number, flags: number): number {
  len = pageAlign(len);
  if (len === 0) return 0;
  if (addr + len > TASK_SIZE || addr + len < addr) return -ERRNO.ENOMEM;
  const r = doVmiMunmap(kmm, mm, addr, len);
  if (r < 0) return r;
  const prev = mm.vmas.findPrev(addr);
  return doBrkFlags(kmm, mm, prev, addr, len, flags & VM_EXEC);
}

export { VM_MAYSHARE };
