// struct vm_area_struct and the vm_flags bits (include/linux/mm.h), Linux 6.x x86-64 values.
import type { AddressSpace } from './filemap.ts';
import type { Mm } from './mm.ts';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = ~0xfff;
export const PMD_SIZE = 0x200000;
/** TASK_SIZE_MAX with 4-level paging: (1 << 47) - PAGE_SIZE. */
export const TASK_SIZE = 0x7ffffffff000;
/** DEFAULT_MAP_WINDOW: 1 << 47 - PAGE_SIZE (no 5-level paging). */
export const DEFAULT_MAP_WINDOW = TASK_SIZE;

export const VM_NONE = 0;
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_GROWSDOWN = 0x100;
export const VM_UFFD_MISSING = 0x200;
export const VM_PFNMAP = 0x400;
export const VM_UFFD_WP = 0x1000;
export const VM_LOCKED = 0x2000;
export const VM_IO = 0x4000;
export const VM_SEQ_READ = 0x8000;
export const VM_RAND_READ = 0x10000;
export const VM_DONTCOPY = 0x20000;
export const VM_DONTEXPAND = 0x40000;
export const VM_LOCKONFAULT = 0x80000;
export const VM_ACCOUNT = 0x100000;
export const VM_NORESERVE = 0x200000;
export const VM_HUGETLB = 0x400000;
export const VM_SYNC = 0x800000;
export const VM_ARCH_1 = 0x1000000;
export const VM_WIPEONFORK = 0x2000000;
export const VM_DONTDUMP = 0x4000000;
export const VM_SOFTDIRTY = 0x8000000;
export const VM_MIXEDMAP = 0x10000000;
export const VM_HUGEPAGE = 0x20000000;
export const VM_NOHUGEPAGE = 0x40000000;
// Bit 31 (VM_MERGEABLE) is never set here; keeping flags below 2^31 keeps them small integers.

export const VM_STACK = VM_GROWSDOWN;
export const VM_STARTGAP_FLAGS = VM_GROWSDOWN;
export const VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;
/** Flags that never prevent a merge (VM_IGNORE_MERGE = VM_SOFTDIRTY). */
export const VM_IGNORE_MERGE = VM_SOFTDIRTY;
/** VM_SPECIAL: mappings that are never merged or expanded. */
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;
/** VM_DATA_DEFAULT_FLAGS (VM_DATA_FLAGS_TSK_EXEC without READ_IMPLIES_EXEC). */
export const VM_DATA_DEFAULT_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
export const VM_STACK_DEFAULT_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC; // no READ_IMPLIES_EXEC

/** show_smap_vma_flags() mnemonics by bit number. */
export const VM_FLAG_MNEMONICS: readonly (readonly [number, string])[] = [
  [VM_READ, 'rd'], [VM_WRITE, 'wr'], [VM_EXEC, 'ex'], [VM_SHARED, 'sh'], [VM_MAYREAD, 'mr'],
  [VM_MAYWRITE, 'mw'], [VM_MAYEXEC, 'me'], [VM_MAYSHARE, 'ms'], [VM_GROWSDOWN, 'gd'],
  [VM_UFFD_MISSING, 'um'], [VM_PFNMAP, 'pf'], [VM_UFFD_WP, 'uw'], [VM_LOCKED, 'lo'], [VM_IO, 'io'],
  [VM_SEQ_READ, 'sr'], [VM_RAND_READ, 'rr'], [VM_DONTCOPY, 'dc'], [VM_DONTEXPAND, 'de'],
  [VM_LOCKONFAULT, 'lf'], [VM_ACCOUNT, 'ac'], [VM_NORESERVE, 'nr'], [VM_HUGETLB, 'ht'], [VM_SYNC, 'sf'],
  [VM_ARCH_1, 'ar'], [VM_WIPEONFORK, 'wf'], [VM_DONTDUMP, 'dd'], [VM_SOFTDIRTY, 'sd'],
  [VM_MIXEDMAP, 'mm'], [VM_HUGEPAGE, 'hg'], [VM_NOHUGEPAGE, 'nh'],
];

/**
 * What mmap needs from an open file (struct file): its page cache, its access mode, its path.
 * The VFS (kernel-proc) builds one per open file description.
 */
export interface VmFile {
  /** f_mapping: the file's page cache. */
  mapping: AddressSpace;
  /** The path /proc/<pid>/maps prints (d_path), e.g. "/tmp/run/F". */
  path: string;
  /** FMODE_READ / FMODE_WRITE of the open file description. */
  readable: boolean;
  writable: boolean;
  /** O_APPEND: a shared writable mapping is refused (EACCES) as Linux does. */
  append?: boolean;
}

/** An anon_vma (mm/rmap.c): only its existence matters here (fork copies PTEs only when set; merges compare it). */
export class AnonVma {
  private static nextId = 1;
  readonly id = AnonVma.nextId++;
}

let nextVmaId = 1;

/** struct vm_area_struct: [start, end) of one mapping. */
export class Vma {
  readonly id = nextVmaId++;
  mm: Mm;
  start: number;
  end: number;
  flags: number;
  /** vm_pgoff: offset in the file in pages (for anonymous private VMAs: start >> PAGE_SHIFT, as Linux). */
  pgoff: number;
  file: VmFile | null;
  anonVma: AnonVma | null = null;
  /** The anon_vma chain holds a parent's anon_vma too (a forked VMA): such VMAs do not merge with anon_vma-less ones. */
  anonForked = false;
  /** A special mapping's name ("[vvar]"), or null. */
  special: string | null = null;
  // --- VMA tree (treap) links and augmentation; owned by vma-tree.ts ---
  left: Vma | null = null;
  right: Vma | null = null;
  parent: Vma | null = null;
  prio = 0;
  /** Raw gap below this VMA: start - (prev ? prev.end : 0). */
  gap = 0;
  /** Largest `gap` in this subtree. */
  maxGap = 0;
  /** Smallest start / largest end in this subtree. */
  subStart = 0;
  prev: Vma | null = null;
  next: Vma | null = null;

  constructor(mm: Mm, start: number, end: number, flags: number, pgoff: number, file: VmFile | null) {
    this.mm = mm;
    this.start = start;
    this.end = end;
    this.flags = flags;
    this.pgoff = pgoff;
    this.file = file;
  }

  get pages(): number {
    return (this.end - this.start) / PAGE_SIZE;
  }

  /** The page offset in the file (or shmem object) of `addr`: linear_page_index(). */
  pgoffOf(addr: number): number {
    return this.pgoff + Math.floor((addr - this.start) / PAGE_SIZE);
  }

  isAnonymous(): boolean {
    return this.file === null && this.special === null;
  }

  isShared(): boolean {
    return (this.flags & VM_SHARED) !== 0;
  }
}

/** vm_start_gap(): the lowest address the stack guard gap protects below a grows-down VMA. */
export function vmStartGap(vma: Vma, stackGuardGap: number): number {
  let s = vma.start;
  if ((vma.flags & VM_GROWSDOWN) !== 0) {
    s -= stackGuardGap;
    if (s > vma.start) s = 0;
    if (s < 0) s = 0;
  }
  return s;
}

/** vm_end_gap(): x86 has no VM_GROWSUP, so the end. */
export function vmEndGap(vma: Vma): number {
  return vma.end;
}

/** vma_is_accessible(). */
export function vmaIsAccessible(flags: number): boolean {
  return (flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
}

/** is_cow_mapping(): private and may be written. */
export function isCowMapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

/** is_data_mapping(): private writable, not stack. */
export function isDataMapping(flags: number): boolean {
  return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) === VM_WRITE;
}
/** is_exec_mapping(). */
export function isExecMapping(flags: number): boolean {
  return (flags & (VM_WRITE | VM_EXEC | VM_STACK)) === VM_EXEC;
}
/** is_stack_mapping(). */
export function isStackMapping(flags: number): boolean {
  return (flags & VM_STACK) === VM_STACK;
}

export const pageAlign = (x: number): number => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
export const pageAlignDown = (x: number): number => Math.floor(x / PAGE_SIZE) * PAGE_SIZE;
export const offsetInPage = (x: number): number => x % PAGE_SIZE;
