// msync (mm/msync.c) and mincore (mm/mincore.c).
import { MS as MS_, ERRNO as ERRNO_ } from '../uapi/constants.ts';
import { PTE_P as PTE_P_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { PAGE_SIZE as PAGE_SIZE_, TASK_SIZE as TASK_SIZE_, VM_LOCKED as VM_LOCKED_, VM_SHARED as VM_SHARED_ } from './vma.ts';
import { walkToPte as walkToPte_, PTE_PROTNONE as PTE_PROTNONE_ } from './pgtable.ts';
import { COST_VMA_OP as COST_VMA_OP_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const walkToPte = walkToPte_;
const MS = MS_;
const ERRNO = ERRNO_;
const PTE_P = PTE_P_;
const PAGE_SIZE = PAGE_SIZE_;
const TASK_SIZE = TASK_SIZE_;
const VM_LOCKED = VM_LOCKED_;
const VM_SHARED = VM_SHARED_;
const PTE_PROTNONE = PTE_PROTNONE_;
const COST_VMA_OP = COST_VMA_OP_;

/** The msync system call: MS_SYNC writes back the shared file pages of the range. */
export function doMsync(kmm: KernelMm, mm: Mm, start: number, len: number, flags: number): number {
  kmm.charge(COST_VMA_OP);
  if ((flags & ~(MS.MS_ASYNC | MS.MS_INVALIDATE | MS.MS_SYNC)) !== 0) return -ERRNO.EINVAL;
  if (start % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  if ((flags & MS.MS_ASYNC) !== 0 && (flags & MS.MS_SYNC) !== 0) return -ERRNO.EINVAL;
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (len >= 2 ** 64) len = 0; // (len + ~PAGE_MASK) & PAGE_MASK wraps to 0: nothing to do
  const end = start + len;
  if (len > 2 ** 64 - PAGE_SIZE || end >= 2 ** 64) return -ERRNO.ENOMEM;
  if (end === start) return 0;
  let unmappedError = 0;
  let vma = mm.vmas.find(start);
  for (;;) {
    if (vma === null) return -ERRNO.ENOMEM;
    if (start < vma.start) {
      // SYSCALL_DEFINE3(msync): only a plain MS_ASYNC stops at the first hole; the others skip it
      // (MS_SYNC still writes back the VMAs after it) and report ENOMEM at the end.
      if (flags === MS.MS_ASYNC) return -ERRNO.ENOMEM;
      start = vma.start;
      if (start >= end) return -ERRNO.ENOMEM;
      unmappedError = -ERRNO.ENOMEM;
    }
    if ((flags & MS.MS_INVALIDATE) !== 0 && (vma.flags & VM_LOCKED) !== 0) return -ERRNO.EBUSY;
    const file = vma.file;
    const fstart = start - vma.start + vma.pgoff * PAGE_SIZE;
    const fend = fstart + (Math.min(end, vma.end) - start) - 1;
    start = vma.end;
    if ((flags & MS.MS_SYNC) !== 0 && file !== null && (vma.flags & VM_SHARED) !== 0) {
      // vfs_fsync_range(file, fstart, fend, datasync=1)
      file.mapping.writeback(Math.floor(fstart / PAGE_SIZE), Math.floor(fend / PAGE_SIZE));
      if (start >= end) return unmappedError;
      vma = mm.vmas.find(start);
    } else {
      if (start >= end) return unmappedError;
      vma = mm.vmas.find(start);
    }
  }
}

/**
 * The mincore system call. `copyOut(addr, bytes)` is copy_to_user of bytes at user address addr
 * (false: EFAULT); the vector goes to `vec`.
 */
export function doMincore(kmm: KernelMm, mm: Mm, start: number, len: number, vec: number,
  copyOut: (addr: number, bytes: Uint8Array) => boolean): number {
  kmm.charge(COST_VMA_OP);
  if (start % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  if (!(start <= TASK_SIZE && len <= TASK_SIZE - start)) return -ERRNO.ENOMEM;
  let pages = Math.floor(len / PAGE_SIZE) + (len % PAGE_SIZE !== 0 ? 1 : 0);
  if (!(vec >= 0 && vec <= TASK_SIZE && pages <= TASK_SIZE - vec)) return -ERRNO.EFAULT;
  let off = 0;
  while (pages > 0) {
    const n = Math.min(pages, PAGE_SIZE);
    const vma = mm.vmas.lookup(start);
    if (vma === null) return -ERRNO.ENOMEM;
    const end = Math.min(vma.end, start + n * PAGE_SIZE);
    const cnt = (end - start) / PAGE_SIZE;
    const out = new Uint8Array(cnt);
    for (let i = 0; i < cnt; i++) {
      const a = start + i * PAGE_SIZE;
      const ea = walkToPte(kmm.phys, mm.pgd, a);
      const lo = ea >= 0 ? kmm.phys.read32(ea) : 0;
      if ((lo & (PTE_P | PTE_PROTNONE)) !== 0) out[i] = 1;
      else if (vma.file !== null) out[i] = vma.file.mapping.findPage(vma.pgoffOf(a)) >= 0 ? 1 : 0;
    }
    if (!copyOut(vec + off, out)) return -ERRNO.EFAULT;
    pages -= cnt;
    off += cnt;
    start += cnt * PAGE_SIZE;
  }
  return 0;
}
