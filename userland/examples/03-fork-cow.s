# Lab 3 - fork and copy-on-write.
#
# Run:
#   pagewalk run userland/examples/03-fork-cow.s
#   pagewalk trace --only faults,process userland/examples/03-fork-cow.s
#
# Look for: the parent fills 8 pages with 'P' and forks.  fork() copies no
# page: the parent's VmRSS is the same before and after it, and the child
# reads all 8 pages without a single fault (dup_mmap copied the page-table
# entries, write-protected, in both processes).  Each page the child then
# writes costs it exactly one minor fault, a copy ("cow-copy" in the trace),
# and its RSS does not grow (the copy replaces the shared page).  The parent's
# data is unchanged ("PPPPPPPP").  Once the child has exited, the parent's
# first write to a page still faults, but reuses the page ("cow-reuse").

        .equ  NPAGES, 8
        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, NPAGES*PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
        li    r10, 0
fill:   muli  r1, r10, PAGE_SIZE
        add   r1, r12, r1
        li    r2, 'P'
        st8   [r1], r2
        addi  r10, r10, 1
        li    r1, NPAGES
        bltu  r10, r1, fill
        la    r1, s_vmrss
        call  status_kb
        mov   r13, r0                 # parent's VmRSS before fork
        la    r1, s_before
        call  puts
        mov   r1, r13
        call  putd
        la    r1, s_kb
        call  say
        li    r0, SYS_fork
        syscall
        beqz  r0, child
        mov   r11, r0                 # the child's pid
        li    r0, SYS_wait4
        mov   r1, r11
        la    r2, wstatus
        li    r3, 0
        li    r4, 0
        syscall
        call  prefault                # our own pages are copy-on-write too
        la    r1, s_vmrss
        call  status_kb
        mov   r13, r0
        la    r1, s_after
        call  puts
        mov   r1, r13
        call  putd
        la    r1, s_kb
        call  say
        la    r1, s_pdata
        call  puts
        call  show
        call  nl
        call  mark
        li    r1, 'Q'
        st8   [r12], r1
        la    r1, s_pwrite
        call  puts
        call  report
        li    r1, 0
        call  exit

child:  call  prefault
        call  mark
        la    r1, s_csees
        call  puts
        call  show                    # read every page
        call  nl
        la    r1, s_cread
        call  puts
        call  report
        li    r10, 0
cwr:    muli  r1, r10, PAGE_SIZE
        add   r1, r12, r1
        li    r2, 'C'
        st8   [r1], r2
        addi  r10, r10, 1
        li    r1, 3
        bltu  r10, r1, cwr
        la    r1, s_cwrite
        call  puts
        call  report
        la    r1, s_cdata
        call  puts
        call  show
        call  nl
        li    r1, 0
        call  exit

# show: append the first byte of each of the NPAGES pages at r12.
show:   push  r10
        li    r10, 0
sh_lp:  muli  r1, r10, PAGE_SIZE
        add   r1, r12, r1
        ld8   r1, [r1]
        call  putc
        addi  r10, r10, 1
        li    r1, NPAGES
        bltu  r10, r1, sh_lp
        pop   r10
        ret

        .rodata
s_before: .asciz "parent: VmRSS before fork: "
s_after: .asciz "parent: VmRSS after fork:  "
s_kb:   .asciz " kB"
s_csees: .asciz "child: sees "
s_cread: .asciz "child: after reading 8 pages"
s_cwrite: .asciz "child: after writing 3 pages"
s_cdata: .asciz "child: its pages: "
s_pdata: .asciz "parent: its pages: "
s_pwrite: .asciz "parent: after writing page 1 once the child is gone"
        .bss
wstatus: .zero 8
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
