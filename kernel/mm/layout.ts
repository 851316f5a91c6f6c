// Address-space layout for exec (arch/x86/mm/mmap.c arch_pick_mmap_layout, fs/exec.c
// setup_arg_pages, arch/x86/kernel/process.c arch_align_stack / arch_randomize_brk,
// arch/x86/entry/vdso/vma.c map_vdso).
import { ERRNO as ERRNO_ } from '../uapi/constants.ts';
import type { KernelMm } from './kmm.ts';
import type { Mm } from './mm.ts';
import { Vma, PAGE_SIZE as PAGE_SIZE_, TASK_SIZE as TASK_SIZE_, VM_READ as VM_READ_, VM_MAYREAD as VM_MAYREAD_, VM_IO as VM_IO_, VM_DONTDUMP as VM_DONTDUMP_, VM_PFNMAP as VM_PFNMAP_, VM_DONTEXPAND as VM_DONTEXPAND_, VM_SOFTDIRTY as VM_SOFTDIRTY_, VM_STACK_DEFAULT_FLAGS as VM_STACK_DEFAULT_FLAGS_, VM_GROWSDOWN as VM_GROWSDOWN_, VM_ACCOUNT as VM_ACCOUNT_, pageAlign as pageAlign_ } from './vma.ts';
import { linkVma as linkVma_ } from './vma-ops.ts';
import { vmStatAccount as vmStatAccount_ } from './account.ts';
import { getUnmappedArea as getUnmappedArea_ } from './mmap.ts';
import { expandDownwards as expandDownwards_ } from './fault.ts';
import type { FaultAcct } from './fault.ts';
// Imported constants as module locals (a live ESM binding costs a getter call per use on hot paths).
const pageAlign = pageAlign_;
const linkVma = linkVma_;
const vmStatAccount = vmStatAccount_;
const getUnmappedArea = getUnmappedArea_;
const expandDownwards = expandDownwards_;
const ERRNO = ERRNO_;
const PAGE_SIZE = PAGE_SIZE_;
const TASK_SIZE = TASK_SIZE_;
const VM_READ = VM_READ_;
const VM_MAYREAD = VM_MAYREAD_;
const VM_IO = VM_IO_;
const VM_DONTDUMP = VM_DONTDUMP_;
const VM_PFNMAP = VM_PFNMAP_;
const VM_DONTEXPAND = VM_DONTEXPAND_;
const VM_SOFTDIRTY = VM_SOFTDIRTY_;
const VM_STACK_DEFAULT_FLAGS = VM_STACK_DEFAULT_FLAGS_;
const VM_GROWSDOWN = VM_GROWSDOWN_;
const VM_ACCOUNT = VM_ACCOUNT_;

/** STACK_TOP = TASK_SIZE_LOW with 4-level paging. */
export const STACK_TOP = TASK_SIZE;
/** mmap_rnd_bits (x86-64 default 28) and STACK_RND_MASK (22 bits of pages). */
const MMAP_RND_BITS = 28;
const STACK_RND_MASK = 0x3fffff;
const SIZE_128M = 128 * 1024 * 1024;
/** setup_arg_pages(): the stack VMA is expanded by 128 KiB below the arguments. */
const STACK_EXPAND = 131072;
/** Pages of the [vvar] area mapped at the top of the mmap area (the data pages of the vDSO image). */
export const VVAR_PAGES = 4;

function pfRandomize(kmm: KernelMm): boolean {
  return kmm.randomizeVaSpace !== 0;
}

/** stack_maxrandom_size(). */
function stackMaxrandomSize(kmm: KernelMm): number {
  return pfRandomize(kmm) ? STACK_RND_MASK * PAGE_SIZE : 0;
}

/**
 * arch_pick_mmap_layout(): mmap_base (top-down, below the stack gap, randomized by up to 2^28 pages)
 * and mmap_legacy_base; then the [vvar] special mapping is placed at the top of the mmap area
 * (map_vdso: the first top-down allocation), so that the first user mapping lies directly below it
 * as on Linux, where the vDSO occupies that spot. T64 has no vDSO code page.
 */
export function archPickMmapLayout(kmm: KernelMm, mm: Mm): void {
  const rnd = pfRandomize(kmm) ? kmm.randomBits(MMAP_RND_BITS) * PAGE_SIZE : 0;
  const taskSize = TASK_SIZE;
  let gap = mm.rlimStack;
  const pad = stackMaxrandomSize(kmm) + kmm.stackGuardGap;
  gap += pad;
  const gapMax = Math.floor(taskSize / 6) * 5;
  if (gap < SIZE_128M) gap = SIZE_128M;
  else if (gap > gapMax) gap = gapMax;
  mm.mmapBase = pageAlign(taskSize - gap - rnd);
  mm.mmapLegacyBase = pageAlign(taskSize / 3) + rnd;
  mm.topDown = true;
  archSetupAdditionalPages(kmm, mm);
}

/** map_vdso() without the code page: the "[vvar]" data area, top-down. Returns its address or -errno. */
export function archSetupAdditionalPages(kmm: KernelMm, mm: Mm): number {
  const len = VVAR_PAGES * PAGE_SIZE;
  const addr = getUnmappedArea(kmm, mm, null, 0, len, 0, 0);
  if (addr < 0) return addr;
  return installSpecialMapping(kmm, mm, addr, len, '[vvar]', VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP | VM_DONTEXPAND);
}

/** _install_special_mapping(): a named VMA whose reads see the zero page. */
export function installSpecialMapping(kmm: KernelMm, mm: Mm, addr: number, len: number, name: string, flags: number): number {
  const v = new Vma(mm, addr, addr + len, flags | VM_SOFTDIRTY, 0, null);
  v.special = name;
  linkVma(mm, v);
  vmStatAccount(mm, v.flags, len / PAGE_SIZE);
  void kmm;
  return addr;
}

/** randomize_stack_top(). */
export function randomizeStackTop(kmm: KernelMm, stackTop: number): number {
  if (!pfRandomize(kmm)) return pageAlign(stackTop);
  const r = (kmm.random32() & STACK_RND_MASK) * PAGE_SIZE;
  return pageAlign(stackTop) - r;
}

/** arch_align_stack(): up to 8 KiB of random offset, 16-byte aligned. */
export function archAlignStack(kmm: KernelMm, sp: number): number {
  if (pfRandomize(kmm)) sp -= kmm.random32() % 8192;
  return sp - (sp % 16);
}

/** arch_randomize_brk(): randomize_page(mm->brk, 32 MiB). */
export function archRandomizeBrk(kmm: KernelMm, mm: Mm): number {
  const start = pageAlign(mm.brk);
  const range = 0x02000000 / PAGE_SIZE;
  return start + (kmm.random32() % range) * PAGE_SIZE;
}

/**
 * setup_arg_pages(): the initial [stack] VMA (VM_GROWSDOWN) from the page holding `p` (bprm->p,
 * the lowest byte of the argument strings) up to `stackTop`, expanded by 128 KiB below (within
 * RLIMIT_STACK). Returns the VMA's start, or -errno.
 */
export function setupArgPages(kmm: KernelMm, mm: Mm, stackTop: number, p: number, acct?: FaultAcct): number {
  const top = pageAlign(stackTop);
  const bottom = Math.floor(p / PAGE_SIZE) * PAGE_SIZE;
  if (bottom <= 0 || bottom >= top) return -ERRNO.EINVAL;
  const flags = VM_STACK_DEFAULT_FLAGS | VM_GROWSDOWN | VM_ACCOUNT | VM_SOFTDIRTY | mm.defFlags;
  const v = new Vma(mm, bottom, top, flags, bottom / PAGE_SIZE, null);
  linkVma(mm, v);
  vmStatAccount(mm, flags, (top - bottom) / PAGE_SIZE);
  const stackSize = top - bottom;
  const rlim = Math.floor(mm.rlimStack / PAGE_SIZE) * PAGE_SIZE;
  const stackBase = stackSize + STACK_EXPAND > rlim ? top - rlim : bottom - STACK_EXPAND;
  mm.startStack = p;
  const e = expandDownwards(kmm, v, stackBase);
  if (e < 0) return e;
  void acct;
  return v.start;
}
