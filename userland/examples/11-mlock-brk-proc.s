# Lab 11 - brk and the [heap], mlock, and /proc/self/maps and smaps read by
# the program itself.
#
# Run:
#   pagewalk run userland/examples/11-mlock-brk-proc.s
#
# Look for: brk(0) returns the initial program break; growing it by 12 KiB
# creates the [heap], which /proc/self/maps lists right after the program's
# .bss (here merged with it into one VMA: adjacent anonymous VMAs with the
# same flags merge, as on Linux).  mmap of 4 pages costs no fault; mlock of
# them faults all 4 in inside the system call (minor faults +4, RSS +16 kB,
# before any access), /proc/self/status shows VmLck: 16 kB, and the smaps
# entry of the region shows Locked: 16 kB and the "lo" VmFlag.  munlock sets
# VmLck back to 0.

        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        li    r0, SYS_brk
        li    r1, 0
        syscall
        mov   r10, r0                 # initial break
        li    r0, SYS_brk
        li    r1, 3*PAGE_SIZE
        add   r1, r10, r1
        syscall
        mov   r11, r0
        la    r1, s_brk
        call  puts
        mov   r1, r10
        call  putx
        la    r1, s_brk2
        call  puts
        mov   r1, r11
        call  putx
        call  nl
        li    r1, 'h'
        st8   [r10], r1               # use the heap
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, 4*PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        mov   r12, r0
        la    r1, s_mmap
        call  puts
        mov   r1, r12
        call  putx
        call  nl
        call  mark
        li    r0, SYS_mlock
        mov   r1, r12
        li    r2, 4*PAGE_SIZE
        syscall
        mov   r13, r0
        la    r1, s_mlock
        call  puts
        mov   r1, r13
        call  putret
        call  report
        call  vmlck
        la    r1, s_maps
        call  say
        la    r1, path_maps
        call  catfile
        la    r1, s_smaps
        call  say
        la    r1, path_smaps
        call  slurp
        mov   r1, r12
        call  hexkey
        la    r1, key
        la    r2, fbuf
        call  findline
        mov   r13, r0                 # the entry's first line
        beqz  r13, done
        la    r1, s_vmflags
        mov   r2, r13
        call  findline
        beqz  r0, done
eol:    ld8   r1, [r0]                # to the end of the VmFlags line
        addi  r0, r0, 1
        li    r2, 10
        bne   r1, r2, eol
        sub   r3, r0, r13
        li    r0, SYS_write
        li    r1, 1
        mov   r2, r13
        syscall
        li    r0, SYS_munlock
        mov   r1, r12
        li    r2, 4*PAGE_SIZE
        syscall
        mov   r13, r0
        la    r1, s_munlock
        call  puts
        mov   r1, r13
        call  putret
        call  nl
        call  vmlck
done:   li    r1, 0
        call  exit

# vmlck: print "VmLck: N kB" from /proc/self/status.
vmlck:  la    r1, s_vmlck_p
        call  puts
        la    r1, s_vmlck
        call  status_kb
        mov   r1, r0
        call  putd
        la    r1, s_kb
        b     say

# hexkey: key = r1 in lowercase hex, at least 8 digits (as maps prints a
# VMA's start), followed by '-'.
hexkey: la    r7, key
        li    r8, 60
        li    r9, 0                   # 1 once a digit was written
hk_lp:  shr   r2, r1, r8
        andi  r2, r2, 15
        bnez  r2, hk_emit
        bnez  r9, hk_emit
        li    r3, 28
        bgeu  r3, r8, hk_emit         # the last 8 digits are always written
        b     hk_next
hk_emit: li   r9, 1
        la    r3, hexdig
        add   r3, r3, r2
        ld8   r3, [r3]
        st8   [r7], r3
        addi  r7, r7, 1
hk_next: beqz r8, hk_end
        addi  r8, r8, -4
        b     hk_lp
hk_end: li    r3, '-'
        st8   [r7], r3
        li    r3, 0
        st8   [r7+1], r3
        ret

# findline: the first line at or after r2 (a line start) that begins with
# the NUL-terminated string r1; 0 if none.
findline: ld8 r4, [r2]
        beqz  r4, fl_none
        mov   r5, r2
        mov   r6, r1
fl_cmp: ld8   r7, [r6]
        beqz  r7, fl_found
        ld8   r8, [r5]
        bne   r7, r8, fl_next
        addi  r5, r5, 1
        addi  r6, r6, 1
        b     fl_cmp
fl_next: ld8  r4, [r2]
        beqz  r4, fl_none
        addi  r2, r2, 1
        li    r5, 10
        bne   r4, r5, fl_next
        b     findline
fl_found: mov r0, r2
        ret
fl_none: li   r0, 0
        ret

        .rodata
s_brk:  .asciz "brk: the break moved from "
s_brk2: .asciz " to "
s_mmap: .asciz "mmap of 4 pages at "
s_mlock: .asciz "mlock(4 pages) = "
s_munlock: .asciz "munlock(4 pages) = "
s_vmlck: .asciz "VmLck:"
s_vmlck_p: .asciz "VmLck: "
s_kb:   .asciz " kB"
s_maps: .asciz "/proc/self/maps:"
s_smaps: .asciz "/proc/self/smaps, the locked region:"
s_vmflags: .asciz "VmFlags:"
        .bss
key:    .zero 32
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
