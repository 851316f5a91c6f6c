// The kernel cost model: how many core cycles the simulated kernel's work takes.
// The kernel runs as TypeScript outside the simulated core; these figures are charged to the
// machine clock so that `--stats` and cycle counts include kernel time as on real hardware.
// Figures are for a ~3 GHz x86-64 core (Skylake/Ice Lake class); sources in each comment.

/** Exception entry + exit (#PF/#UD...): IDT delivery, swapgs, pt_regs save/restore, iretq.
 *  ~250 cycles measured for a null page-fault round trip without PTI (lmbench lat_pagefault
 *  minus the handler; "The cost of a page fault" LWN 2016 puts entry+exit at 200-300 cycles). */
export const COST_EXCEPTION = 250;
/** SYSCALL/SYSRET entry and exit without PTI/mitigations: ~70 cycles (getpid() on Skylake ~ 25 ns). */
export const COST_SYSCALL = 70;
/** clear_page (rep stosq, 4 KiB, cached): ~4096/64 lines * ~2.5 cycles ≈ 160 cycles (clear_page_erms). */
export const COST_ZERO_PAGE = 160;
/** copy_page (4 KiB, rep movsq, cached): ~320 cycles (copy_mc / copy_page benchmarks ≈ 100 ns). */
export const COST_COPY_PAGE = 320;
/** Per-PTE work in the page-table walkers (zap_pte_range, copy_pte_range, change_pte_range): ~8 cycles. */
export const COST_PER_PTE = 8;
/** Core of handle_mm_fault: VMA lookup, page-table walk, rmap, accounting: ~400 cycles. */
export const COST_FAULT_HANDLER = 400;
/** Allocating or freeing one frame from the per-CPU lists (rmqueue_pcplist): ~60 cycles. */
export const COST_FRAME_ALLOC = 60;
/** INVLPG issued by the kernel: ~100-200 cycles on Skylake (Agner Fog's tables: ~100+). */
export const COST_INVLPG = 150;
/** Block-device read of one 4 KiB page: 100 µs (NVMe random read ≈ 80-120 µs) at 3 GHz. */
export const COST_DEVICE_READ = 300_000;
/** Block-device write of one 4 KiB page (writeback): 30 µs at 3 GHz (NVMe write to cache). */
export const COST_DEVICE_WRITE = 90_000;
/** Copying bytes between the page cache and a kernel buffer: ~0.1 cycle/byte (memcpy ~30 GB/s). */
export const COST_COPY_PER_BYTE = 0.1;
/** Per-VMA work in mmap/munmap/mprotect (tree update, merge checks, accounting): ~300 cycles. */
export const COST_VMA_OP = 300;
/** __schedule() + context_switch() + switch_to() without the TLB effects (those come from the MMU):
 *  ~1 µs round trip between two processes in lmbench lat_ctx on a 3 GHz core, about half of it
 *  the switch itself: ~1500 cycles. */
export const COST_CONTEXT_SWITCH = 1500;
