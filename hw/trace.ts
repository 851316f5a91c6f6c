// Trace events: what `pagewalk trace`, `step` and `--explain-faults` show.
// A layer emits an event only when a sink is attached (`tracer !== null`), so the fast path
// pays one null check and allocates nothing. Addresses in events are bigint (64-bit exact);
// events are never built on the untraced path.

export type AccessKind = 'read' | 'write' | 'fetch';

export type TraceEvent =
  /** One MMU translation (TLB hit, or miss followed by walk-step events). */
  | { kind: 'translate'; cycle: number; cpu: number; la: bigint; access: AccessKind; size: number; cpl: number;
      tlb: 'l1' | 'l2' | 'miss'; pa: number; /** -1 when it faulted */ cycles: number; fault?: { vector: number; errorCode: number } }
  /** One paging-structure reference of a walk (or a paging-structure-cache hit that skipped levels). */
  | { kind: 'walk-step'; cycle: number; cpu: number; la: bigint; level: number; entryAddr: number; entry: bigint;
      pscHit: boolean; note: string }
  /** A TLB / paging-structure-cache invalidation and its cause. */
  | { kind: 'tlb-invalidate'; cycle: number; cpu: number; op: 'invlpg' | 'invpcid' | 'mov-cr3' | 'mov-cr4' | 'mov-cr0' | 'flush';
      la?: bigint; pcid?: number; detail: string }
  /** A page fault and what the kernel decided. */
  | { kind: 'page-fault'; cycle: number; pid: number; la: bigint; errorCode: number; pc: bigint;
      decision: string; detail: string }
  /** A system call, rendered as strace renders it. */
  | { kind: 'syscall'; cycle: number; pid: number; nr: number; name: string; text: string; ret: bigint }
  | { kind: 'context-switch'; cycle: number; cpu: number; fromPid: number; toPid: number; detail: string }
  | { kind: 'signal'; cycle: number; pid: number; sig: number; code: number; addr: bigint; detail: string }
  | { kind: 'process'; cycle: number; pid: number; what: 'fork' | 'exec' | 'exit' | 'killed'; detail: string }
  | { kind: 'insn'; cycle: number; cpu: number; pid: number; pc: bigint; text: string };

export interface TraceSink {
  event(e: TraceEvent): void;
}
