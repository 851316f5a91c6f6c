// mprotect (mm/mprotect.c do_mprotect_pkey, mprotect_fixup, change_protection).
import { PROT as PROT_, ERRNO as ERRNO_ } from '../uapi/constants.ts';
import { PTE_P as PTE_P_, PTE_RW as PTE_RW_, PTE_US as PTE_US_, PTE_D as PTE_D_, PTE_A as PTE_A_, PTE_HI_XD as PTE_HI_XD_ } from '../../hw/pte.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { type Vma, PAGE_SIZE as PAGE_SIZE_, VM_READ as VM_READ_, VM_WRITE as VM_WRITE_, VM_EXEC as VM_EXEC_, VM_SHARED as VM_SHARED_, VM_ACCOUNT as VM_ACCOUNT_, VM_HUGETLB as VM_HUGETLB_, VM_NORESERVE as VM_NORESERVE_, VM_LOCKED as VM_LOCKED_, VM_GROWSDOWN as VM_GROWSDOWN_, pageAlign as pageAlign_ } from './vma.ts';
import { vmaModifyFlags as vmaModifyFlags_ } from './vma-ops.ts';
import { vmStatAccount as vmStatAccount_, mayExpandVm as mayExpandVm_ } from './account.ts';
import { vmPageProtLo as vmPageProtLo_, vmPageProtHi as vmPageProtHi_, wantsWritenotify as wantsWritenotify_ } from './memory.ts';
import { PTE_PROTNONE as PTE_PROTNONE_, PTE_SPECIAL as PTE_SPECIAL_, walkToPmd as walkToPmd_, entryPfn as entryPfn_ } from './pgtable.ts';
import { PG_ANON as PG_ANON_, PG_ANON_EXCLUSIVE as PG_ANON_EXCLUSIVE_ } from './frames.ts';
import { flushTlbRange as flushTlbRange_ } from './tlb.ts';
import { calcVmProtBits as calcVmProtBits_ } from './mmap.ts';
import { populateVmaPageRange as populateVmaPageRange_, FAULT_GUP_NORETRY as FAULT_GUP_NORETRY_, type FaultAcct } from './fault.ts';
import { COST_PER_PTE as COST_PER_PTE_, COST_VMA_OP as COST_VMA_OP_ } from '../cost.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const pageAlign = pageAlign_;
const vmaModifyFlags = vmaModifyFlags_;
const vmStatAccount = vmStatAccount_;
const mayExpandVm = mayExpandVm_;
const vmPageProtLo = vmPageProtLo_;
const vmPageProtHi = vmPageProtHi_;
const wantsWritenotify = wantsWritenotify_;
const walkToPmd = walkToPmd_;
const entryPfn = entryPfn_;
const flushTlbRange = flushTlbRange_;
const calcVmProtBits = calcVmProtBits_;
const populateVmaPageRange = populateVmaPageRange_;
const FAULT_GUP_NORETRY = FAULT_GUP_NORETRY_;
const PROT = PROT_;
const ERRNO = ERRNO_;
const PTE_P = PTE_P_;
const PTE_RW = PTE_RW_;
const PTE_US = PTE_US_;
const PTE_D = PTE_D_;
const PTE_A = PTE_A_;
const PTE_HI_XD = PTE_HI_XD_;
const PAGE_SIZE = PAGE_SIZE_;
const VM_READ = VM_READ_;
const VM_WRITE = VM_WRITE_;
const VM_EXEC = VM_EXEC_;
const VM_SHARED = VM_SHARED_;
const VM_ACCOUNT = VM_ACCOUNT_;
const VM_HUGETLB = VM_HUGETLB_;
const VM_NORESERVE = VM_NORESERVE_;
const VM_LOCKED = VM_LOCKED_;
const VM_GROWSDOWN = VM_GROWSDOWN_;
const PTE_PROTNONE = PTE_PROTNONE_;
const PTE_SPECIAL = PTE_SPECIAL_;
const PG_ANON = PG_ANON_;
const PG_ANON_EXCLUSIVE = PG_ANON_EXCLUSIVE_;
const COST_PER_PTE = COST_PER_PTE_;
const COST_VMA_OP = COST_VMA_OP_;

const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/** The mprotect system call. */
export function doMprotect(kmm: KernelMm, mm: Mm, start: number, len: number, prot: number, acct?: FaultAcct): number {
  kmm.charge(COST_VMA_OP);
  // prot is an unsigned long: bits above 31 fail arch_validate_prot() like any unknown bit
  const protHigh = prot >= 2 ** 32;
  prot = protHigh ? prot % 2 ** 32 | 0 : prot;
  const grows = prot & (PROT.PROT_GROWSDOWN | PROT.PROT_GROWSUP);
  prot &= ~(PROT.PROT_GROWSDOWN | PROT.PROT_GROWSUP);
  if (grows === (PROT.PROT_GROWSDOWN | PROT.PROT_GROWSUP)) return -ERRNO.EINVAL;
  if (start % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
  if (len === 0) return 0;
  // PAGE_ALIGN(len) wraps to 0 above 2^64 - 4096, and start + len may wrap: both are ENOMEM
  len = pageAlign(len);
  let end = start + len;
  if (end <= start || len > 2 ** 64 - PAGE_SIZE || end >= 2 ** 64) return -ERRNO.ENOMEM;
  // arch_validate_prot()
  if (protHigh || (prot & ~(PROT.PROT_READ | PROT.PROT_WRITE | PROT.PROT_EXEC | PROT.PROT_SEM)) !== 0) return -ERRNO.EINVAL;
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
    populateVmaPageRange(kmm, r, start, end, acct, FAULT_GUP_NORETRY); // (vma, start, end, NULL): no retry
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
