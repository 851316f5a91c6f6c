# Lab 9 - TLB reach: where the working set stops fitting in the TLBs.
#
# Run:
#   pagewalk run userland/examples/09-tlb-reach.s
#   pagewalk stat userland/examples/09-tlb-reach.s
#
# Look for: a loop reads one byte per 4 KiB page over a working set of 16,
# 32, ... 8192 pages, timed with rdcycle (after one untimed pass, so no page
# faults are timed).  While the pages fit in the first-level dTLB every access
# hits it and costs a few cycles; past its reach the accesses miss it and hit
# the second-level TLB (STLB), and past the STLB's reach every access needs a
# page walk: the cycles per access jump at each of those working-set sizes
# (the "TLB cliff").  With 2 MiB pages (MAP_HUGETLB, when the kernel offers
# it) one TLB entry covers 512 of these pages and the cliff moves far to the
# right; when the kernel refuses, the program says so.

        .equ  MAXP, 8192              # pages in the largest working set
        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        li    r1, MAP_PRIVATE|MAP_ANONYMOUS
        call  region
        mov   r12, r0
        la    r1, s_4k
        call  say
        call  sweep
        li    r1, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB
        call  region
        mov   r12, r0
        li    r1, -4095
        bltu  r12, r1, huge
        la    r1, s_nohuge
        call  puts
        mov   r1, r12
        call  putret
        la    r1, s_nohuge2
        call  say
        li    r1, 0
        call  exit
huge:   la    r1, s_2m
        call  say
        call  sweep
        li    r1, 0
        call  exit

# region: mmap MAXP pages read+write with the flags in r1 and write every
# page once (so that no fault is timed).  Returns the address or -errno.
region: mov   r4, r1
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, MAXP*PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r5, -1
        li    r6, 0
        syscall
        li    r1, -4095
        bgeu  r0, r1, rg_ret
        li    r1, 0
rg_lp:  add   r2, r0, r1
        st8   [r2], r1
        li    r2, PAGE_SIZE
        add   r1, r1, r2
        li    r2, MAXP*PAGE_SIZE
        bltu  r1, r2, rg_lp
rg_ret: ret

# sweep: for N = 16, 32, ... MAXP pages at r12: one untimed pass, then four
# timed passes; prints the cycles per access with one decimal.
sweep:  push  r10
        push  r13
        push  r14
        li    r10, 16
sw_lp:  mov   r1, r10
        call  pass
        rdcycle r13
        mov   r1, r10
        call  pass
        mov   r1, r10
        call  pass
        mov   r1, r10
        call  pass
        mov   r1, r10
        call  pass
        rdcycle r14
        sub   r14, r14, r13           # cycles
        la    r1, s_ws
        call  puts
        mov   r1, r10
        call  putd
        la    r1, s_pages
        call  puts
        muli  r14, r14, 10
        shli  r2, r10, 2              # accesses = 4 * N
        divu  r14, r14, r2            # tenths of a cycle per access
        li    r2, 10
        divu  r1, r14, r2
        call  putd
        li    r1, '.'
        call  putc
        li    r2, 10
        remu  r1, r14, r2
        call  putd
        la    r1, s_cyc
        call  say
        shli  r10, r10, 1
        li    r1, MAXP
        bgeu  r1, r10, sw_lp
        pop   r14
        pop   r13
        pop   r10
        ret

# pass: read one byte of each of the first r1 pages at r12.
pass:   mov   r2, r12
        muli  r3, r1, PAGE_SIZE
        add   r3, r12, r3
        li    r4, PAGE_SIZE
pa_lp:  ld8   r5, [r2]
        add   r2, r2, r4
        bltu  r2, r3, pa_lp
        ret

        .rodata
s_4k:   .asciz "4 KiB pages:"
s_2m:   .asciz "2 MiB pages (MAP_HUGETLB), the same 4 KiB stride:"
s_nohuge: .asciz "2 MiB pages: mmap(MAP_HUGETLB) = "
s_nohuge2: .asciz " (not offered by this kernel)"
s_ws:   .asciz "  working set "
s_pages: .asciz " pages: "
s_cyc:  .asciz " cycles per access"
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
