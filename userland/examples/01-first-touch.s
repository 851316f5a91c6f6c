# Lab 1 - mmap reserves, the first touch allocates.
#
# Run:
#   pagewalk run userland/examples/01-first-touch.s
#   pagewalk trace --only faults userland/examples/01-first-touch.s
#
# Look for: right after mmap() of 16 pages the RSS and the fault counts have
# not moved (mmap only created a VMA).  Each page written for the first time
# then adds exactly one minor fault and 4 kB of RSS: the kernel allocates a
# zeroed frame in the fault (do_anonymous_page, "demand-zero" in the trace),
# page by page.  Writing a page again costs nothing.

        .equ  NPAGES, 16
        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        call  mark
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, NPAGES*PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0                 # the region
        la    r1, s_mmap
        call  puts
        call  report
        li    r10, 0                  # page index
touch:  muli  r1, r10, PAGE_SIZE
        add   r1, r12, r1
        li    r2, 'x'
        st8   [r1], r2                # first write to the page
        addi  r10, r10, 1
        la    r1, s_touch
        call  puts
        mov   r1, r10
        call  putd
        call  report
        li    r1, NPAGES
        bltu  r10, r1, touch
        st8   [r12+8], r10            # page 0 again: no fault
        la    r1, s_again
        call  puts
        call  report
        li    r1, 0
        call  exit

        .rodata
s_mmap: .asciz "after mmap of 16 pages"
s_touch: .asciz "after touching page "
s_again: .asciz "after writing page 1 again"
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
