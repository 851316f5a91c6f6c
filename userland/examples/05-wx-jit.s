# Lab 5 - mprotect and W^X: a tiny JIT.
#
# Run:
#   pagewalk run userland/examples/05-wx-jit.s
#   pagewalk trace --only faults,syscalls userland/examples/05-wx-jit.s
#
# Look for: the program writes two T64 instructions (li r0, 42; ret) into a
# fresh read+write page, flips the page to read+execute with mprotect, and
# calls it: the call returns 42.  Writing the page afterwards is SIGSEGV with
# SEGV_ACCERR at the page (the VMA exists but forbids writes).  Then it
# writes the same code into another read+write page and jumps to it without
# mprotect: that is SIGSEGV (SEGV_ACCERR) too, and the trace shows the page
# fault's error code with bit 4 (I/D) set: it was an instruction fetch, which
# the NX bit of the page-table entry refused.

        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        call  catch
        call  newcode
        mov   r12, r0                 # the JIT page
        la    r1, s_page
        call  puts
        mov   r1, r12
        call  putx
        call  nl
        li    r0, SYS_mprotect
        mov   r1, r12
        li    r2, PAGE_SIZE
        li    r3, PROT_READ|PROT_EXEC
        syscall
        mov   r10, r0
        la    r1, s_mprot
        call  puts
        mov   r1, r10
        call  putret
        call  nl
        li    r0, 0
        callr r12                     # run the generated code
        mov   r10, r0
        la    r1, s_ret
        call  puts
        mov   r1, r10
        call  putd
        call  nl
        la    r1, s_write
        call  say
        la    r1, after_write
        la    r2, resume
        st64  [r2], r1
        st8   [r12], r0               # write to r-x: SIGSEGV
after_write:
        call  newcode
        mov   r13, r0
        la    r1, s_exec
        call  puts
        mov   r1, r13
        call  putx
        call  nl
        la    r1, after_exec
        la    r2, resume
        st64  [r2], r1
        callr r13                     # fetch from rw-: SIGSEGV
after_exec:
        la    r1, s_done
        call  say
        li    r1, 0
        call  exit

# newcode: a fresh read+write page holding the code at jit_code; returns it.
newcode: li   r0, SYS_mmap
        li    r1, 0
        li    r2, PAGE_SIZE
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS
        li    r5, -1
        li    r6, 0
        syscall
        la    r1, jit_code
        ld64  r2, [r1]
        st64  [r0], r2
        ld64  r2, [r1+8]
        st64  [r0+8], r2
        ret

        .rodata
        .align 8
# li r0, 42 (opcode 0x20, rd 0, imm 42) and ret (opcode 0x44), encoded as in
# docs/t64.md: byte 0 opcode, byte 1 rd|rs<<4, byte 2 rt, bytes 4..7 imm.
jit_code: .quad 0x20 | (42 << 32)
        .quad 0x44
s_page: .asciz "wrote code into a read+write page at "
s_mprot: .asciz "mprotect(page, 4096, PROT_READ|PROT_EXEC) = "
s_ret:  .asciz "called it: it returned "
s_write: .asciz "writing to the page now that it is read+execute:"
s_exec: .asciz "jumping to code in a read+write (not executable) page at "
s_done: .asciz "done"
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
