# Lab 4 - MAP_SHARED versus MAP_PRIVATE of a file.
#
# Run:
#   pagewalk run userland/examples/04-shared-private.s
#   pagewalk trace --only faults,syscalls userland/examples/04-shared-private.s
#
# Look for: the program writes a 2-page file of '.' bytes, maps it twice,
# MAP_SHARED and MAP_PRIVATE, and writes 'S' at offset 0 through the shared
# mapping and 'P' at offset 4096 through the private one.  read(2) of the file
# then shows the 'S' but not the 'P': shared writes go to the page cache,
# private writes to a private copy ("cow-copy" in the trace).  The private
# mapping still sees the 'S' in its page 0, which it never wrote.  After
# fork, the child writes 's' at offset 16 of the shared mapping and 'p' at
# offset 24 of the private one: the parent and the file see the 's', nobody
# but the child sees the 'p'.

        .rodata
ro_start:
        .bss
bss_start:
        .text
        .globl _start
_start: call  prefault
        li    r0, SYS_open            # create lab4.dat: 8192 bytes of '.'
        la    r1, path
        li    r2, O_RDWR|O_CREAT|O_TRUNC
        li    r3, 0x1a4               # 0644
        syscall
        mov   r10, r0                 # fd
        la    r1, fbuf
        li    r2, '.'
        li    r3, 0
fill:   add   r4, r1, r3
        st8   [r4], r2
        addi  r3, r3, 1
        li    r4, 8192
        bltu  r3, r4, fill
        li    r0, SYS_write
        mov   r1, r10
        la    r2, fbuf
        li    r3, 8192
        syscall
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, 8192
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_SHARED
        mov   r5, r10
        li    r6, 0
        syscall
        mov   r11, r0                 # shared mapping
        li    r0, SYS_mmap
        li    r1, 0
        li    r2, 8192
        li    r3, PROT_READ|PROT_WRITE
        li    r4, MAP_PRIVATE
        mov   r5, r10
        li    r6, 0
        syscall
        mov   r12, r0                 # private mapping
        li    r1, 'S'
        st8   [r11], r1
        li    r1, 'P'
        st8   [r12+4096], r1
        la    r1, s_w1
        call  say
        li    r1, 0
        call  fileat
        li    r1, 4096
        call  fileat
        la    r1, s_priv0
        call  puts
        ld8   r1, [r12]
        call  putc
        call  nl
        la    r1, s_shared1
        call  puts
        ld8   r1, [r11+4096]
        call  putc
        call  nl
        li    r0, SYS_fork
        syscall
        beqz  r0, child
        mov   r13, r0
        li    r0, SYS_wait4
        mov   r1, r13
        la    r2, wstatus
        li    r3, 0
        li    r4, 0
        syscall
        la    r1, s_parent
        call  puts
        ld8   r1, [r11+16]
        call  putc
        la    r1, s_and
        call  puts
        ld8   r1, [r12+24]
        call  putc
        call  nl
        li    r1, 16
        call  fileat
        li    r1, 24
        call  fileat
        li    r1, 0
        call  exit

child:  li    r1, 's'
        st8   [r11+16], r1
        li    r1, 'p'
        st8   [r12+24], r1
        la    r1, s_child
        call  puts
        ld8   r1, [r11+16]
        call  putc
        la    r1, s_and
        call  puts
        ld8   r1, [r12+24]
        call  putc
        call  nl
        li    r1, 0
        call  exit

# fileat: print "file[N] = c" with the byte at offset r1 of the file, read
# with pread64 (the file as everyone else sees it).
fileat: push  r1
        la    r1, s_file
        call  puts
        pop   r1
        push  r1
        call  putd
        la    r1, s_eq
        call  puts
        li    r0, SYS_pread64
        mov   r1, r10
        la    r2, onebyte
        li    r3, 1
        pop   r4
        syscall
        la    r1, onebyte
        ld8   r1, [r1]
        call  putc
        b     nl

        .rodata
path:   .asciz "lab4.dat"
s_w1:   .asciz "wrote 'S' at offset 0 through MAP_SHARED, 'P' at offset 4096 through MAP_PRIVATE"
s_file: .asciz "file["
s_eq:   .asciz "] = "
s_priv0: .asciz "private[0] = "
s_shared1: .asciz "shared[4096] = "
s_child: .asciz "child: wrote shared[16] and private[24]; it sees shared[16] = "
s_parent: .asciz "parent: sees shared[16] = "
s_and:  .asciz ", private[24] = "
        .bss
wstatus: .zero 8
onebyte: .zero 8
        .include "lab-runtime.inc"     # the lab runtime: output helpers, /proc readers
