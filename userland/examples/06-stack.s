# Lab 6 - the stack grows on demand; the guard gap stops it.
#
# Run:
#   pagewalk run userland/examples/06-stack.s
#   pagewalk trace --only faults userland/examples/06-stack.s
#
# Look for: touching 64 pages below the stack, one by one, takes one minor
# fault per page, and VmStk grows as the [stack] VMA is extended down to
# cover them ("stack-growth" in the trace; exec reserved the first 128 KiB
# below the arguments, so growth starts past them).  One touch 4 MiB below
# the stack pointer extends the VMA down to it in one step: one fault, VmStk
# about 4 MiB more, RSS +4 kB.  Then the program maps a readable page 6 MiB below the stack
# pointer.  A touch 5.5 MiB below sp, above that page but within the guard gap
# (256 pages, 1 MiB) that Linux keeps between a growing stack and the mapping
# below it, is SIGSEGV (SEGV_MAPERR); a touch 4.5 MiB below still grows the
# stack.

        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        call  catch
        mov   r12, sp
        andi  r12, r12, -PAGE_SIZE    # the page of sp
        call  mark
        la    r1, s_start
        call  puts
        call  vmstk
        li    r10, 0
grow:   addi  r10, r10, 1
        li    r1, 8
        add   r1, r1, r10             # pages 9, 10, ... below sp (8 are prefaulted)
        muli  r1, r1, PAGE_SIZE
        sub   r1, r12, r1
        st8   [r1], r0
        li    r1, 64
        bltu  r10, r1, grow
        la    r1, s_grow
        call  puts
        call  vmstk
        call  mark
        li    r1, 0x400000            # 4 MiB below
        sub   r1, r12, r1
        st8   [r1], r0
        la    r1, s_far
        call  puts
        call  vmstk
        li    r0, SYS_mmap            # a readable page 6 MiB below sp
        li    r1, 0x600000
        sub   r1, r12, r1
        li    r2, PAGE_SIZE
        li    r3, PROT_READ
        li    r4, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE
        li    r5, -1
        li    r6, 0
        syscall
        mov   r13, r0
        la    r1, s_map
        call  puts
        mov   r1, r13
        call  putx
        call  nl
        la    r1, s_gap
        call  say
        la    r1, after_gap
        la    r2, resume
        st64  [r2], r1
        li    r1, 0x580000            # 5.5 MiB below sp: inside the gap
        sub   r1, r12, r1
        st8   [r1], r0
after_gap:
        call  mark
        li    r1, 0x480000            # 4.5 MiB below sp: outside it
        sub   r1, r12, r1
        st8   [r1], r0
        la    r1, s_ok
        call  puts
        call  vmstk
        li    r1, 0
        call  exit

# vmstk: append ": VmStk N kB" and the report since the last mark.
vmstk:  la    r1, s_vmstk
        call  puts
        la    r1, s_vmstk_f
        call  status_kb
        mov   r1, r0
        call  putd
        la    r1, s_kbc
        call  puts
        b     report

        .rodata
s_vmstk_f: .asciz "VmStk:"
s_vmstk: .asciz ": VmStk "
s_kbc:  .asciz " kB"
s_start: .asciz "at start"
s_grow: .asciz "after touching 64 pages below the stack"
s_far:  .asciz "after one touch 4 MiB below sp"
s_map:  .asciz "mapped a readable page 6 MiB below sp at "
s_gap:  .asciz "touching 5.5 MiB below sp (inside the guard gap):"
s_ok:   .asciz "after one touch 4.5 MiB below sp"
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
