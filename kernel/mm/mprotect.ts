// mprotect (mm/mprotect.c do_mprotect_pkey, mprotect_fixup, change_protection).
import { PROT, ERRNO } from '../uapi/constants.ts';
import { PTE_P, PTE_RW, PTE_US, PTE_D, PTE_A, PTE_HI_XD } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import {
  type Vma, PAGE_SIZE, VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_ACCOUNT, VM_HUGETLB, VM_NORESERVE, VM_LOCKED,
  VM_GROWSDOWN, pageAlign,
} from './vma.ts';
import { vmaModifyFlags } from './vma-ops.ts';
import { vmStatAccount, mayExpandVm } from './account.ts';
import { vmPageProtLo, vmPageProtHi, wantsWritenotify } from './memory.ts';
import { PTE_PROTNONE, PTE_SPECIAL, walkToPmd, entryPfn } from './pgtable.ts';
import { PG_ANON, PG_ANON_EXCLUSIVE } from './frames.ts';
import { flushTlbRange } from './tlb.ts';
import { calcVmProtBits } from './mmap.ts';
import { populateVmaPageRange, type FaultAcct } from './fault.ts';
import { COST_PER_PTE, COST_VMA_OP } from '../cost.ts';

const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/** The mprotect system call. */
export function doMprotect(kmm: KernelMm, mm: Mm, start: number, len: number, prot: number, acct?: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  const grows = prot & (PROT.PROT_GROWSDOWN | PROT.PROT_GROWSUP);
  prot &= ~(PROT.PROT_GROWSDOWN | PROT.PROT_GROWSUP);
  if (grows === (PROT.PROT_GROWSDOWN | PROT.PROT_GROWSUP)) return -ERRNO.EINVAL;
  if (start % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  if (len === 0) return 0;
  len = pageAlign(len);
  let end = start + len;
  if (end <= start || len > 2 ** 64) return -ERRNO.ENOMEM;
  // arch_validate_prot()
  if ((prot & ~(PROT.PROT_READ | PROT.PROT_WRITE | PROT.PROT_EXEC | PROT.PROT_SEM)) !== 0) return -ERRNO.EINVAL;
  let vma = mm.vmas.findIntersection(start, end);
  if (vma === null) return -ERRNO.ENOMEM;
  if ((grows & PROT.PROT_GROWSDOWN) !== 0) {
    if (vma.start >= end) return -ERRNO.ENOMEM;
    start = vma.start;
    if ((vma.flags & VM_GROWSDOWN) === 0) return -ERRNO.EINVAL;
  } else {
    if (vma.start > start) return -ERRNO.ENOMEM;
    if ((grows & PROT.PROT_GROWSUP) !== 0) return -ERRNO.EINVAL;
  }
  let nstart = start;
  let tmp = vma.start;
  let error = 0;
  let cur: Vma | null = vma;
  while (cur !== null && cur.start < end) {
    if (cur.start !== tmp) {
      error = -ERRNO.ENOMEM;
      break;
    }
    let newflags = calcVmProtBits(prot) | (cur.flags & ~VM_ACCESS_FLAGS);
    // newflags >> 4 shifts VM_MAY* onto VM_*
    if ((newflags & ~(newflags >>> 4) & VM_ACCESS_FLAGS) !== 0) {
      error = -ERRNO.EACCES;
      break;
    }
    tmp = Math.min(cur.end, end);
    const r = mprotectFixup(kmm, cur, nstart, tmp, newflags, acct);
    if (typeof r === 'number') {
      error = r;
      break;
    }
    tmp = r.end;
    nstart = tmp;
    cur = r.next;
  }
  if (error === 0 && tmp < end) error = -ERRNO.ENOMEM;
  void end;
  end = 0;
  return error;
}

/** mprotect_fixup(): returns the VMA now covering [start, end) or -errno. */
export function mprotectFixup(kmm: KernelMm, vma: Vma, start: number, end: number, newflags: number, acct?: FaultAcct): Vma | number {
  const mm = vma.mm;
  const oldflags = vma.flags;
  if (newflags === oldflags) return vma;
  const nrpages = (end - start) / PAGE_SIZE;
  if ((newflags & VM_WRITE) !== 0) {
    if (!mayExpandVm(mm, newflags, nrpages) && mayExpandVm(mm, oldflags, nrpages)) return -ERRNO.ENOMEM;
    if ((oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE)) === 0) newflags |= VM_ACCOUNT;
  } else if ((oldflags & VM_ACCOUNT) !== 0 && vma.isAnonymous() && vma.anonVma === null) {
    newflags &= ~VM_ACCOUNT;
  }
  const r = vmaModifyFlags(kmm, vma, start, end, newflags);
  if (typeof r === 'number') return r;
  r.flags = newflags;
  changeProtection(kmm, r, start, end);
  if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) === VM_LOCKED && (newflags & VM_WRITE) !== 0 && acct !== undefined) {
    populateVmaPageRange(kmm, r, start, end, acct);
  }
  vmStatAccount(mm, oldflags, -nrpages);
  vmStatAccount(mm, newflags, nrpages);
  return r;
}

/**
 * change_protection() → change_pte_range(): pte_modify() every mapped PTE to the VMA's new
 * vm_page_prot (keeping frame, A, D), making exclusive anonymous pages (private) or dirty pages
 * (shared, write-notify) writable at once as MM_CP_TRY_CHANGE_WRITABLE does.
 */
export function changeProtection(kmm: KernelMm, vma: Vma, start: number, end: number): void {
  const phys = kmm.phys;
  const mm = vma.mm;
  const fr = kmm.frames;
  const protLo = vmPageProtLo(vma);
  const protHi = vmPageProtHi(vma);
  const tryWritable = (vma.flags & VM_SHARED) !== 0 ? wantsWritenotify(vma) : (vma.flags & VM_WRITE) !== 0;
  const keepMask = PTE_A | PTE_D | PTE_SPECIAL | 0xfffff000;
  let lo = -1;
  let hi = -1;
  for (let addr = start; addr < end;) {
    const pmdEa = walkToPmd(phys, mm.pgd, addr);
    const nextPmd = (Math.floor(addr / 0x200000) + 1) * 0x200000;
    const stop = Math.min(nextPmd, end);
    if (pmdEa < 0 || (phys.read32(pmdEa) & PTE_P) === 0) {
      addr = stop;
      continue;
    }
    const pt = entryPfn(phys.read32(pmdEa), phys.read32(pmdEa + 4)) * 4096;
    for (; addr < stop; addr += PAGE_SIZE) {
      const ea = pt + (Math.floor(addr / 4096) & 511) * 8;
      const old = phys.read32(ea);
      if ((old & (PTE_P | PTE_PROTNONE)) === 0) continue;
      const oldHi = phys.read32(ea + 4);
      let nlo = ((old & keepMask) | protLo) >>> 0;
      if ((protLo & PTE_P) === 0) nlo &= ~(PTE_RW | PTE_US);
      if (tryWritable && (nlo & PTE_P) !== 0 && (nlo & PTE_RW) === 0 && (old & PTE_SPECIAL) === 0) {
        const pfn = entryPfn(old, oldHi);
        if ((vma.flags & VM_SHARED) !== 0) {
          if ((old & PTE_D) !== 0) nlo |= PTE_RW;
        } else if ((fr.flags[pfn] & (PG_ANON | PG_ANON_EXCLUSIVE)) === (PG_ANON | PG_ANON_EXCLUSIVE)) nlo |= PTE_RW;
      }
      const nhi = ((oldHi & ~PTE_HI_XD) | protHi) >>> 0;
      if (nlo === old && nhi === oldHi) continue;
      phys.write64(ea, nlo, nhi);
      if (lo < 0) lo = addr;
      hi = addr + PAGE_SIZE;
    }
  }
  kmm.charge(COST_PER_PTE * ((end - start) / PAGE_SIZE));
  if (lo >= 0) flushTlbRange(kmm, mm, lo, hi);
}
