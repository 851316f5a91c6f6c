# Lab 8 - minor versus major faults: the same file mapped twice.
#
# Run:
#   pagewalk run --file userland/examples/08-data.txt:/lab8.txt userland/examples/08-minor-major.s
#   pagewalk trace --only faults --file userland/examples/08-data.txt:/lab8.txt userland/examples/08-minor-major.s
#
# Look for: --file copies the host file into the machine's disk; it is not in
# the page cache yet ("cold").  Reading the 16 pages of a first mapping takes
# one major fault: it waits for the device ("major" in the trace) while the
# kernel reads the page, and the rest of the file by readahead, into the page
# cache; the retried fault's fault-around then maps all 16 cached pages at
# once, so there is no second fault (as Linux's filemap_fault retry does).
# A second mapping of the same file finds every page cached: one minor fault
# maps all 16 pages, major faults +0.

        .equ  LEN, 16*PAGE_SIZE
        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        li    r0, SYS_open
        la    r1, path
        li    r2, O_RDONLY
        li    r3, 0
        syscall
        mov   r10, r0
        li    r1, 0
        bge   r10, r1, opened
        la    r1, s_nofile
        call  say
        li    r1, 1
        call  exit
opened: call  mark
        call  mapit
        mov   r12, r0
        call  readall
        la    r1, s_first
        call  puts
        call  report
        call  mark
        call  mapit
        mov   r12, r0
        call  readall
        la    r1, s_second
        call  puts
        call  report
        li    r1, 0
        call  exit

# mapit: mmap(NULL, LEN, PROT_READ, MAP_PRIVATE, fd r10, 0).
mapit:  li    r0, SYS_mmap
        li    r1, 0
        li    r2, LEN
        li    r3, PROT_READ
        li    r4, MAP_PRIVATE
        mov   r5, r10
        li    r6, 0
        syscall
        ret

# readall: read one byte of every page at r12.
readall: li   r1, 0
ra_lp:  add   r2, r12, r1
        ld8   r3, [r2]
        li    r2, PAGE_SIZE
        add   r1, r1, r2
        li    r2, LEN
        bltu  r1, r2, ra_lp
        ret

        .rodata
path:   .asciz "/lab8.txt"
s_nofile: .asciz "cannot open /lab8.txt: run with --file userland/examples/08-data.txt:/lab8.txt"
s_first: .asciz "first mapping, reading 16 pages (cold file)"
s_second: .asciz "second mapping, reading 16 pages (cached)"
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
