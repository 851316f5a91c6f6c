// Kernel-proc benchmarks: system calls, fork+exit+wait4 and context switches, each a whole T64
// program run on the simulated machine (`npx tsx tools/bench/benchmark.ts kernel-proc`).
import type { BenchSuite } from './benchmark.ts';
import { runProgram } from '../runner/index.ts';

const N_SYSCALLS = 20000;
const N_FORKS = 200;
const N_YIELDS = 5000;

const syscallLoop = `
        .text
        .globl _start
_start: li    r10, ${N_SYSCALLS}
loop:   li    r0, SYS_getpid
        syscall
        addi  r10, r10, -1
        bnez  r10, loop
        li    r0, SYS_exit_group
        li    r1, 0
        syscall
`;

const forkLoop = `
        .text
        .globl _start
_start: li    r10, ${N_FORKS}
loop:   li    r0, SYS_fork
        syscall
        beqz  r0, child
        mov   r1, r0
        li    r0, SYS_wait4
        li    r2, 0
        li    r3, 0
        li    r4, 0
        syscall
        addi  r10, r10, -1
        bnez  r10, loop
        li    r0, SYS_exit_group
        li    r1, 0
        syscall
child:  li    r0, SYS_exit_group
        li    r1, 0
        syscall
`;

const yieldLoop = `
        .text
        .globl _start
_start: li    r0, SYS_fork
        syscall
        li    r10, ${N_YIELDS}
loop:   li    r0, SYS_sched_yield
        syscall
        addi  r10, r10, -1
        bnez  r10, loop
        li    r0, SYS_exit_group
        li    r1, 0
        syscall
`;

function run(src: string, name: string): void {
  const r = runProgram({ program: `${name}.s`, programText: src, aslr: 0 });
  if (r.exitCode !== 0) throw new Error(`${name}: exit ${r.exitCode}`);
}

let lastCycles = 0;

export const suite: BenchSuite = {
  name: 'kernel-proc',
  cases: () => [
    { name: `getpid syscalls (${N_SYSCALLS} per run)`, fn: () => run(syscallLoop, 'getpid'), unitsPerOp: N_SYSCALLS, unit: 'syscalls' },
    { name: `fork+exit+wait4 (${N_FORKS} per run)`, fn: () => run(forkLoop, 'fork'), unitsPerOp: N_FORKS, unit: 'forks' },
    { name: `sched_yield switches, 2 processes (${2 * N_YIELDS} per run)`, fn: () => run(yieldLoop, 'yield'), unitsPerOp: 2 * N_YIELDS, unit: 'switches' },
  ],
  extra: () => {
    const t0 = performance.now();
    const r = runProgram({ program: 'getpid.s', programText: syscallLoop, aslr: 0 });
    const ms = performance.now() - t0;
    lastCycles = r.kernel.clock.now;
    return [`one getpid run: ${ms.toFixed(1)} ms host, ${lastCycles.toLocaleString('en-US')} simulated cycles`];
  },
};
