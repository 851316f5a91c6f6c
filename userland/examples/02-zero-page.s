# Lab 2 - read first, then write, of a fresh anonymous page.
#
# Run:
#   pagewalk run userland/examples/02-zero-page.s
#   pagewalk trace --only faults userland/examples/02-zero-page.s
#   pagewalk step userland/examples/02-zero-page.s < userland/examples/02-zero-page.cmds
#
# Look for: the first read of a never-written anonymous page takes one minor
# fault and maps the shared zero page read-only ("zero-page" in the trace):
# it reads 0 and the RSS does not grow.  The first write then faults again:
# the page is write-protected, so the kernel replaces the zero page with a
# fresh zeroed frame of the process ("cow-zero" in the trace: a copy-on-write
# fault whose source is the zero page), the RSS grows by 4 kB and the minor
# faults reach 2, as on Linux.  Further reads and writes do not fault.
# In the stepper, the page-table path of the page shows the three states: no
# entry, a read-only entry for the zero page's frame, a writable dirty entry
# for the process's own frame.

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
        li    r2, PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
        la    r1, s_mmap
        call  puts
        call  report
first_read:
        ld64  r10, [r12]              # first access: a read
        la    r1, s_read
        call  puts
        mov   r1, r10
        call  putd
        la    r1, s_close
        call  puts
        call  report
        li    r1, 7
first_write:
        st64  [r12], r1               # first write
        la    r1, s_write
        call  puts
        call  report
        ld64  r10, [r12]
        st64  [r12+8], r10
        la    r1, s_again
        call  puts
        call  report
        li    r1, 0
        call  exit

        .rodata
s_mmap: .asciz "after mmap of 1 page"
s_read: .asciz "after the first read (it read "
s_close: .asciz ")"
s_write: .asciz "after the first write"
s_again: .asciz "after more reads and writes"
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
