# Lab 7 - munmap tears a room down.
#
# Run:
#   pagewalk run userland/examples/07-munmap.s
#   pagewalk trace --only faults,syscalls,tlb userland/examples/07-munmap.s
#
# Look for: 4 pages are mapped and written (RSS +16 kB).  munmap of the third
# page splits the VMA in two (see the two lines around the hole in the maps
# the program prints), frees its frame (RSS back to +12 kB) and invalidates
# its TLB entry (an invlpg in the trace).  The fourth page is still there;
# an access to the third is SIGSEGV with SEGV_MAPERR: no VMA covers it any
# more.

        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        call  catch
        call  mark
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, 4*PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
        li    r1, 'a'
        st8   [r12], r1
        st8   [r12+0x1000], r1
        st8   [r12+0x2000], r1
        st8   [r12+0x3000], r1
        la    r1, s_map
        call  puts
        mov   r1, r12
        call  putx
        call  report
        li    r0, SYS_munmap
        li    r1, 0x2000
        add   r1, r12, r1
        li    r2, PAGE_SIZE
        syscall
        mov   r10, r0
        la    r1, s_unmap
        call  puts
        mov   r1, r10
        call  putret
        call  report
        la    r1, s_maps
        call  say
        la    r1, path_maps
        call  catfile
        ld8   r1, [r12+0x3000]
        la    r1, s_page3
        call  say
        la    r1, s_page2
        call  say
        la    r1, after
        la    r2, resume
        st64  [r2], r1
        ld8   r1, [r12+0x2000]        # SIGSEGV: nothing is mapped there
after:  li    r1, 0
        call  exit

        .rodata
s_map:  .asciz "mapped and wrote 4 pages at "
s_unmap: .asciz "munmap(third page) = "
s_maps: .asciz "/proc/self/maps now:"
s_page3: .asciz "the fourth page is still readable"
s_page2: .asciz "reading the third page:"
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
