// The kernel's memory management (Linux mm/, arch/x86/mm/, fs/proc/task_mmu.c): the API the rest
// of the kernel (kernel-proc: syscalls, uaccess, fork/exit, VFS, binfmt_elf, /proc) calls.
//
// Conventions
// - Addresses, lengths and offsets are plain numbers. A u64 syscall argument is passed as
//   `hi * 2**32 + lo` (exact below 2^53; larger values only ever meet range checks).
//   Flags/prot/advice are the low 32 bits as an unsigned number; fd is a signed int.
// - System-call helpers return what the raw Linux system call returns: a result ≥ 0, or -errno.
// - `acct` is the calling task's fault counters; faults taken inside a system call
//   (MAP_POPULATE, mlock, MADV_POPULATE_*, mremap of locked memory) are counted there, as Linux does.
// - All user memory is reached through page tables this code builds in simulated physical memory;
//   translations change only by PTE writes followed by INVLPG / CR3 reloads (tlb.ts).
//
// Typical use by the Kernel:
//   const kmm = new KernelMm({ phys: machine.phys, memoryBytes, mmus: [machine.mmu], seed, randomizeVaSpace, charge, oomKill });
//   const mm = kmm.newMm()!;  archPickMmapLayout(kmm, mm);  ... binfmt_elf: vmMmap / vmBrkFlags / setupArgPages
//   switchMm(kmm, cpu, mm);   // on every context switch (CR3 with PCID, NOFLUSH unless stale)
//   on #PF: const sig = handleMmFault(kmm, mm, cr2, errorCode, task.acct); if (sig) deliver kmm.fault.signal/siCode
//   fork: const child = dupMmap(kmm, parentMm);   exit (last user): exitMmap(kmm, mm)

export { KernelMm, type KernelMmOptions, type MmuLike, type FaultInfo } from './kmm.ts';
export { Mm, MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES } from './mm.ts';
export { Vma, AnonVma, type VmFile, PAGE_SIZE, PAGE_SHIFT, TASK_SIZE } from './vma.ts';
export * as vmFlags from './vma.ts';
export { VmaTree } from './vma-tree.ts';
export { FrameAllocator, MAX_PAGE_ORDER } from './frames.ts';
export { flushTlbPage, flushTlbRange, flushTlbMm, switchMm } from './tlb.ts';

/**
 * handleMmFault(kmm, mm, address, errorCode, acct) → 0 when the fault was resolved (retry the
 * access), else the signal to deliver (SIGSEGV 11 / SIGBUS 7; SIGKILL 9 when out of memory).
 * `errorCode` is the #PF error code (P, W, U, I, PK bits: hw/mmu/regs.ts PFEC_*); a kernel-mode
 * fault (U clear, from uaccess) that returns non-zero means EFAULT for the system call.
 * Details in kmm.fault: { decision, signal, siCode, major } (decision for the 'page-fault' trace event).
 * do_user_addr_fault → handle_mm_fault → do_anonymous_page / do_read_fault (fault-around) /
 * do_cow_fault / do_shared_fault / do_wp_page (wp_page_copy / wp_page_reuse) / expand_stack.
 */
export { handleMmFault, type FaultAcct } from './fault.ts';

/** mmap family: ksysMmap is the whole system call (offset check, fd lookup via getFile, do_mmap). */
export { ksysMmap, doMmap, vmMmap, doMunmap, doBrk, vmBrkFlags, getUnmappedArea } from './mmap.ts';
export { doMprotect } from './mprotect.ts';
export { doMremap } from './mremap.ts';
export { doMadvise } from './madvise.ts';
export { doMlock, doMunlock, doMlockall, doMunlockall } from './mlock.ts';
export { doMsync, doMincore } from './msync.ts';

/** fork and exit: dupMmap returns the child's mm (null: ENOMEM); exitMmap tears an mm down completely. */
export { dupMmap, exitMmap } from './fork.ts';

/** The page cache: one AddressSpace per file or shmem object (read/write/truncate/fsync for the VFS). */
export { AddressSpace, type AddressSpaceOptions } from './filemap.ts';
export { shrinkPageCache } from './reclaim.ts';

/** /proc/<pid>/maps, smaps, smaps_rollup and the memory lines of status, in Linux's exact format. */
export { showMaps, showSmaps, showSmapsRollup, taskMemStatus } from './proc.ts';

/** Layout helpers for binfmt_elf: mmap_base (archPickMmapLayout also maps [vvar] at the top of the mmap area), stack top, brk randomization, the [stack] VMA. */
export { archPickMmapLayout, archSetupAdditionalPages, randomizeStackTop, archAlignStack, archRandomizeBrk, setupArgPages, installSpecialMapping, STACK_TOP } from './layout.ts';

/** checkInvariants(kmm) → list of violations (empty when consistent). */
export { checkInvariants } from './invariants.ts';
