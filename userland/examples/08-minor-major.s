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
# ---------------------------------------------------------------------------
# Lab runtime: the same block ends every lab (tests/tools/labs.test.ts checks
# that the copies are identical).  Helpers take arguments in r1..r3 and return
# in r0; they may change r0..r9 and never change r10..r14 (r15 is sp).
# Output is collected in a line buffer and written with one write(2) per line.
# ---------------------------------------------------------------------------
        .text
# puts: append the NUL-terminated string at r1 to the line.
puts:   la    r2, lbn
        ld64  r3, [r2]
        la    r4, lbuf
pu_lp:  ld8   r5, [r1]
        beqz  r5, pu_end
        add   r6, r4, r3
        st8   [r6], r5
        addi  r3, r3, 1
        addi  r1, r1, 1
        b     pu_lp
pu_end: st64  [r2], r3
        ret

# putc: append the byte in r1 to the line.
putc:   la    r2, lbn
        ld64  r3, [r2]
        la    r4, lbuf
        add   r4, r4, r3
        st8   [r4], r1
        addi  r3, r3, 1
        st64  [r2], r3
        ret

# putd: append r1 as an unsigned decimal number.
putd:   la    r7, numend
        li    r8, 10
pd_lp:  remu  r9, r1, r8
        divu  r1, r1, r8
        addi  r9, r9, '0'
        addi  r7, r7, -1
        st8   [r7], r9
        bnez  r1, pd_lp
        mov   r1, r7
        b     puts

# putsd: append r1 as a signed decimal number with its sign ("+4", "-8").
putsd:  li    r2, 0
        blt   r1, r2, psd_neg
        push  r1
        li    r1, '+'
        call  putc
        pop   r1
        b     putd
psd_neg: sub  r1, r2, r1
        push  r1
        li    r1, '-'
        call  putc
        pop   r1
        b     putd

# putret: append r1 as a system call result: "0", "4096", or "-12" (-errno).
putret: li    r2, 0
        blt   r1, r2, psd_neg
        b     putd

# putx: append r1 as 0x followed by 12 hex digits (a user address).
putx:   mov   r7, r1
        li    r1, '0'
        call  putc
        li    r1, 'x'
        call  putc
        li    r8, 44
px_lp:  shr   r1, r7, r8
        andi  r1, r1, 15
        la    r9, hexdig
        add   r9, r9, r1
        ld8   r1, [r9]
        call  putc
        beqz  r8, px_end
        addi  r8, r8, -4
        b     px_lp
px_end: ret

# nl: end the line and write it to stdout with one write(2).
nl:     li    r1, 10
        call  putc
        li    r0, SYS_write
        li    r1, 1
        la    r2, lbuf
        la    r3, lbn
        ld64  r3, [r3]
        syscall
        la    r3, lbn
        li    r4, 0
        st64  [r3], r4
        ret

# say: puts then nl.
say:    call  puts
        b     nl

# minflt / majflt: this process's fault counts from getrusage(RUSAGE_SELF).
minflt: li    r0, SYS_getrusage
        li    r1, RUSAGE_SELF
        la    r2, ru
        syscall
        la    r2, ru
        ld64  r0, [r2+64]             # ru_minflt
        ret
majflt: li    r0, SYS_getrusage
        li    r1, RUSAGE_SELF
        la    r2, ru
        syscall
        la    r2, ru
        ld64  r0, [r2+72]             # ru_majflt
        ret

# slurp: read the whole file named by the NUL-terminated path r1 into fbuf
# (at most 65535 bytes, NUL-terminated).  Returns the length (or -errno).
slurp:  li    r2, O_RDONLY
        li    r3, 0
        li    r0, SYS_open
        syscall
        li    r2, 0
        blt   r0, r2, sl_ret
        mov   r8, r0                  # fd
        li    r9, 0                   # bytes so far
sl_lp:  li    r0, SYS_read
        mov   r1, r8
        la    r2, fbuf
        add   r2, r2, r9
        li    r3, 65535
        sub   r3, r3, r9
        beqz  r3, sl_done
        syscall
        li    r2, 0
        bge   r2, r0, sl_done         # 0 >= n: end of file (or an error)
        add   r9, r9, r0
        b     sl_lp
sl_done: li   r0, SYS_close
        mov   r1, r8
        syscall
        la    r2, fbuf
        add   r2, r2, r9
        li    r3, 0
        st8   [r2], r3
        mov   r0, r9
sl_ret: ret

# catfile: copy the file named by r1 to stdout.
catfile: call slurp
        li    r2, 0
        bge   r2, r0, cf_ret
        mov   r3, r0
        li    r0, SYS_write
        li    r1, 1
        la    r2, fbuf
        syscall
cf_ret: ret

# status_kb: the number after the /proc/self/status field named r1
# (e.g. "VmRSS:"), in kB; -1 if the field is missing.
status_kb: push r1
        la    r1, path_status
        call  slurp
        pop   r8                      # field name
        la    r1, fbuf                # r1: start of the current line
sk_line: ld8  r4, [r1]
        beqz  r4, sk_none
        mov   r2, r1
        mov   r3, r8
sk_cmp: ld8   r4, [r3]
        beqz  r4, sk_ws
        ld8   r5, [r2]
        bne   r4, r5, sk_next
        addi  r2, r2, 1
        addi  r3, r3, 1
        b     sk_cmp
sk_next: ld8  r4, [r1]                # skip to the next line
        beqz  r4, sk_none
        addi  r1, r1, 1
        li    r5, 10
        bne   r4, r5, sk_next
        b     sk_line
sk_ws:  li    r0, 0
sk_skip: ld8  r4, [r2]                # skip blanks after the name
        li    r5, ' '
        beq   r4, r5, sk_sp
        li    r5, 9                   # tab
        bne   r4, r5, sk_dig
sk_sp:  addi  r2, r2, 1
        b     sk_skip
sk_dig: ld8   r4, [r2]
        addi  r4, r4, -48
        li    r5, 10
        bgeu  r4, r5, sk_ret          # not a digit
        muli  r0, r0, 10
        add   r0, r0, r4
        addi  r2, r2, 1
        b     sk_dig
sk_none: li   r0, -1
sk_ret: ret

# mark: remember RSS and fault counts; report prints the change since.
mark:   la    r1, s_vmrss
        call  status_kb
        la    r1, m_rss
        st64  [r1], r0
        call  minflt
        la    r1, m_min
        st64  [r1], r0
        call  majflt
        la    r1, m_maj
        st64  [r1], r0
        ret

# report: append "RSS +N kB, minor faults +N, major faults +N" and end the line.
report: la    r1, s_rss
        call  puts
        la    r1, s_vmrss
        call  status_kb
        la    r1, m_rss
        ld64  r1, [r1]
        sub   r1, r0, r1
        call  putsd
        la    r1, s_minor
        call  puts
        call  minflt
        la    r1, m_min
        ld64  r1, [r1]
        sub   r1, r0, r1
        call  putsd
        la    r1, s_major
        call  puts
        call  majflt
        la    r1, m_maj
        ld64  r1, [r1]
        sub   r1, r0, r1
        call  putsd
        b     nl

# catch: route SIGSEGV and SIGBUS to on_sig, which prints the signal and
# resumes at the address stored in `resume` (as a debugger would).
catch:  la    r9, sigact
        la    r1, on_sig
        st64  [r9], r1                # sa_handler
        li    r1, SA_RESTORER|SA_SIGINFO
        st64  [r9+8], r1              # sa_flags
        la    r1, restorer
        st64  [r9+16], r1             # sa_restorer
        li    r1, 0
        st64  [r9+24], r1             # sa_mask
        li    r0, SYS_rt_sigaction
        li    r1, SIGSEGV
        la    r2, sigact
        li    r3, 0
        li    r4, 8
        syscall
        li    r0, SYS_rt_sigaction
        li    r1, SIGBUS
        la    r2, sigact
        li    r3, 0
        li    r4, 8
        syscall
        ret

# on_sig: r1 = signal, r2 = siginfo, r3 = saved context.
# Prints "  -> SIGSEGV (SEGV_ACCERR) at 0x...", then resumes at `resume`.
on_sig: mov   r10, r2
        mov   r11, r3
        la    r3, lbn                 # drop a half-written line
        li    r4, 0
        st64  [r3], r4
        la    r1, s_arrow
        call  puts
        ld32  r4, [r10]               # si_signo
        ld32  r5, [r10+8]             # si_code
        la    r1, s_sigbus
        li    r6, SIGBUS
        beq   r4, r6, os_name
        la    r1, s_maperr
        li    r6, SEGV_MAPERR
        beq   r5, r6, os_name
        la    r1, s_accerr
        li    r6, SEGV_ACCERR
        beq   r5, r6, os_name
        la    r1, s_segv
os_name: call puts
        ld64  r1, [r10+16]            # si_addr
        call  putx
        call  nl
        la    r1, resume
        ld64  r1, [r1]
        st64  [r11+128], r1           # saved pc
        ret                           # to the restorer
restorer: li  r0, SYS_rt_sigreturn
        syscall

# prefault: touch every page of this program (text and rodata read, bss read
# and written back) and 8 pages of stack, so that later fault counts only see
# the lab's own accesses.
prefault: la  r1, _start
        la    r2, text_end
pf_t:   ld8   r3, [r1]
        addi  r1, r1, 4096
        bltu  r1, r2, pf_t
        la    r1, ro_start
        la    r2, ro_end
pf_r:   ld8   r3, [r1]
        addi  r1, r1, 4096
        bltu  r1, r2, pf_r
        la    r1, bss_start
        la    r2, bss_end
pf_b:   ld8   r3, [r1]
        st8   [r1], r3
        addi  r1, r1, 4096
        bltu  r1, r2, pf_b
        mov   r1, sp
        li    r2, 8
pf_s:   addi  r1, r1, -4096
        st8   [r1], r0
        addi  r2, r2, -1
        bnez  r2, pf_s
        ret

# exit: exit_group(r1).
exit:   li    r0, SYS_exit_group
        syscall
text_end: nop                         # end of .text; never executed

        .rodata
hexdig: .ascii "0123456789abcdef"
path_status: .asciz "/proc/self/status"
path_maps: .asciz "/proc/self/maps"
path_smaps: .asciz "/proc/self/smaps"
s_vmrss: .asciz "VmRSS:"
s_rss:  .asciz ": RSS "
s_minor: .asciz " kB, minor faults "
s_major: .asciz ", major faults "
s_arrow: .asciz "  -> "
s_maperr: .asciz "SIGSEGV (SEGV_MAPERR) at "
s_accerr: .asciz "SIGSEGV (SEGV_ACCERR) at "
s_segv: .asciz "SIGSEGV at "
s_sigbus: .asciz "SIGBUS at "
ro_end: .byte 0                       # end of .rodata

        .bss
lbuf:   .zero 1024                    # the line being built
lbn:    .zero 8                       # bytes in lbuf
numbuf: .zero 24
numend: .zero 8
ru:     .zero 144                     # struct rusage
sigact: .zero 32                      # struct sigaction
resume: .zero 8                       # where on_sig resumes
m_rss:  .zero 8
m_min:  .zero 8
m_maj:  .zero 8
fbuf:   .zero 65536                   # files read by slurp
bss_end: .zero 8                      # end of .bss
