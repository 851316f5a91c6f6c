// VMA manipulation (mm/vma.c): insert/remove with the file's i_mmap, split_vma, and the merge
// rules of vma_merge_new_range / vma_merge_existing_range / vma_modify.
import type { Mm } from './mm.ts';
import { Vma, VM_IGNORE_MERGE as VM_IGNORE_MERGE_, VM_SPECIAL as VM_SPECIAL_, PAGE_SIZE as PAGE_SIZE_, type VmFile, type AnonVma } from './vma.ts';
import { ERRNO as ERRNO_ } from '../uapi/constants.ts';
import type { KernelMm } from './kmm.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const VM_IGNORE_MERGE = VM_IGNORE_MERGE_;
const VM_SPECIAL = VM_SPECIAL_;
const PAGE_SIZE = PAGE_SIZE_;
const ERRNO = ERRNO_;

/** Links a new VMA into the mm (vma_link) and its file's i_mmap. */
export function linkVma(mm: Mm, vma: Vma): void {
  mm.vmas.insert(vma);
  if (vma.file !== null) vma.file.mapping.iMmap.add(vma);
}

/** Unlinks a VMA (vma_iter_clear + remove_vma: fput of vm_file). */
export function unlinkVma(mm: Mm, vma: Vma): void {
  mm.vmas.remove(vma);
  if (vma.file !== null) vma.file.mapping.vmaDetached(vma);
}

/** vm_area_dup(): a copy with the same file, anon_vma and flags. */
export function dupVma(vma: Vma, mm: Mm = vma.mm): Vma {
  const n = new Vma(mm, vma.start, vma.end, vma.flags, vma.pgoff, vma.file);
  n.anonVma = vma.anonVma;
  n.special = vma.special;
  n.anonForked = vma.anonForked;
  return n;
}

/**
 * __split_vma(): splits `vma` at `addr`; the new VMA takes the lower part when newBelow, else the
 * upper part. Returns the new VMA, or null when max_map_count would be exceeded (ENOMEM).
 */
export function splitVma(kmm: KernelMm, vma: Vma, addr: number, newBelow: boolean, checkCount = true): Vma | null {
  const mm = vma.mm;
  if (checkCount && mm.mapCount >= kmm.maxMapCount) return null;
  const n = dupVma(vma);
  const pgoffAt = vma.pgoff + (addr - vma.start) / PAGE_SIZE;
  if (newBelow) {
    n.end = addr;
    vma.start = addr;
    vma.pgoff = pgoffAt;
  } else {
    n.start = addr;
    n.pgoff = pgoffAt;
    vma.end = addr;
  }
  mm.vmas.updateBounds(vma);
  linkVma(mm, n);
  return n;
}

/** is_mergeable_vma(): flags (ignoring VM_SOFTDIRTY), file and special name must match. */
function isMergeableVma(v: Vma, flags: number, file: VmFile | null, special: string | null): boolean {
  return ((v.flags ^ flags) & ~VM_IGNORE_MERGE) === 0 && v.file === file && v.special === special;
}

/**
 * is_mergeable_anon_vma() (mm/vma.c): merging a range whose anon_vma is srcAnon (srcVma: the VMA it
 * comes from, the existing VMA or copy_vma's copied_from; null for a new range) into `tgt`.
 * Case 1: src's anon_vma is duplicated into an anon_vma-less tgt unless src is a fork child;
 * case 2: tgt's anon_vma is used unless tgt is a fork child (vma_is_fork_child(): its anon_vma_chain
 * also holds the parent's, "singular lists do not occur after forking"); case 3: they must be equal.
 */
function isMergeableAnonVma(tgt: Vma, srcAnon: AnonVma | null, srcVma: Vma | null): boolean {
  const tgtAnon = tgt.anonVma;
  if (tgtAnon === null && srcAnon !== null) return srcVma === null || !srcVma.anonForked;
  if (tgtAnon !== null && srcAnon === null) return !tgt.anonForked;
  return tgtAnon === srcAnon;
}

/** can_vma_merge_right(): merging with both neighbours also needs their anon_vmas to agree. */
function anonVmasCompatible(a: Vma, b: Vma): boolean {
  return a.anonVma === null || b.anonVma === null || a.anonVma === b.anonVma;
}

/**
 * vma_merge_new_range(): a new range [start, end) with `flags`/`file`/`pgoff` merges into prev
 * and/or next where Linux would. Returns the VMA that now covers the range, or null.
 */
export function mergeNewRange(kmm: KernelMm, mm: Mm, start: number, end: number, flags: number, file: VmFile | null, pgoff: number, anon: AnonVma | null = null, copiedFrom: Vma | null = null): Vma | null {
  if ((flags & VM_SPECIAL) !== 0) return null;
  const next = mm.vmas.find(start);
  const prev = next === null ? mm.vmas.last : next.prev;
  const pglen = (end - start) / PAGE_SIZE;
  const canPrev = prev !== null && prev.end === start && isMergeableVma(prev, flags, file, null) &&
    isMergeableAnonVma(prev, anon, copiedFrom) && prev.pgoff + prev.pages === pgoff;
  const canNext = next !== null && next.start === end && isMergeableVma(next, flags, file, null) &&
    isMergeableAnonVma(next, anon, copiedFrom) && next.pgoff === pgoff + pglen;
  if (canPrev && canNext && anonVmasCompatible(prev!, next!)) {
    const nend = next!.end;
    if (prev!.anonVma === null) prev!.anonVma = next!.anonVma ?? anon;
    unlinkVma(mm, next!);
    prev!.end = nend;
    mm.vmas.updateBounds(prev!);
    return prev;
  }
  if (canPrev) {
    prev!.end = end;
    if (prev!.anonVma === null) prev!.anonVma = anon;
    mm.vmas.updateBounds(prev!);
    return prev;
  }
  if (canNext) {
    if (next!.anonVma === null) next!.anonVma = anon;
    next!.start = start;
    next!.pgoff = pgoff;
    mm.vmas.updateBounds(next!);
    return next;
  }
  void kmm;
  return null;
}

/**
 * vma_modify(): gives [start, end) of `vma` the new `flags`, merging with the neighbours where
 * possible (vma_merge_existing_range), otherwise splitting. Returns the VMA covering exactly the
 * range, or -ENOMEM (split over max_map_count).
 */
export function vmaModifyFlags(kmm: KernelMm, vma: Vma, start: number, end: number, flags: number): Vma | number {
  const mm = vma.mm;
  const pgoffStart = vma.pgoff + (start - vma.start) / PAGE_SIZE;
  const pgoffEnd = vma.pgoff + (end - vma.start) / PAGE_SIZE;
  const prev = vma.prev;
  const next = vma.next;
  const leftSide = start === vma.start;
  const rightSide = end === vma.end;
  if ((flags & VM_SPECIAL) === 0 && vma.special === null) {
    const canPrev = leftSide && prev !== null && prev.end === start && isMergeableVma(prev, flags, vma.file, null) &&
      isMergeableAnonVma(prev, vma.anonVma, vma) && prev.pgoff + prev.pages === pgoffStart;
    const canNext = rightSide && next !== null && next.start === end && isMergeableVma(next, flags, vma.file, null) &&
      isMergeableAnonVma(next, vma.anonVma, vma) && next.pgoff === pgoffEnd;
    if (canPrev && canNext && anonVmasCompatible(prev!, next!)) {
      const anon = prev!.anonVma ?? vma.anonVma ?? next!.anonVma;
      const nend = next!.end;
      unlinkVma(mm, vma);
      unlinkVma(mm, next!);
      prev!.end = nend;
      prev!.anonVma = anon;
      mm.vmas.updateBounds(prev!);
      return prev!;
    }
    if (canPrev) {
      const anon = prev!.anonVma ?? vma.anonVma;
      if (rightSide) unlinkVma(mm, vma);
      else {
        vma.start = end;
        vma.pgoff = pgoffEnd;
        mm.vmas.updateBounds(vma);
      }
      prev!.end = end;
      prev!.anonVma = anon;
      mm.vmas.updateBounds(prev!);
      return prev!;
    }
    if (canNext) {
      const anon = next!.anonVma ?? vma.anonVma;
      if (leftSide) unlinkVma(mm, vma);
      else {
        vma.end = start;
        mm.vmas.updateBounds(vma);
      }
      next!.start = start;
      next!.pgoff = pgoffStart;
      next!.anonVma = anon;
      mm.vmas.updateBounds(next!);
      return next!;
    }
  }
  if (vma.start < start) {
    if (splitVma(kmm, vma, start, true) === null) return -ERRNO.ENOMEM;
  }
  if (vma.end > end) {
    if (splitVma(kmm, vma, end, false) === null) return -ERRNO.ENOMEM;
  }
  return vma;
}
