// Why a TLB invalidation happened. The MMU reports what an invalidation removed; the kernel
// reports its work (a page fault's decision, a system call) only when it has finished it. So
// invalidations are held, with everything after them, until the kernel event that caused them
// arrives (or the CPU is back in user mode, when no cause is known), and then passed on, in
// their original order, with the cause: "munmap()", "page fault at 0x... (cow-copy)".
import type { TraceEvent, TraceSink } from '../../hw/trace.ts';
import { hexLa } from '../format.ts';

export type CausedSink = (e: TraceEvent, cause?: string) => void;

function causeOf(e: TraceEvent): string | null {
  switch (e.kind) {
    case 'page-fault': return `page fault at ${hexLa(e.la)} (${e.decision})`;
    case 'syscall': return `${e.name}()`;
    case 'process': return e.what;
    case 'signal': return 'signal delivery';
    case 'context-switch': return `context switch to pid ${e.toPid}`;
    default: return null;
  }
}

export class CauseTracker implements TraceSink {
  private queue: { e: TraceEvent; cause?: string }[] = [];
  /** Held invalidations without a cause yet. */
  private open = 0;
  private lastSwitch: Extract<TraceEvent, { kind: 'context-switch' }> | null = null;

  constructor(private readonly out: CausedSink) {}

  event(e: TraceEvent): void {
    if (e.kind === 'tlb-invalidate') {
      // switch_mm loads CR3 right after the switch is reported.
      if (this.queue.length === 0 && this.lastSwitch && this.lastSwitch.cycle === e.cycle) {
        this.out(e, causeOf(this.lastSwitch)!);
        return;
      }
      this.queue.push({ e });
      this.open++;
      return;
    }
    this.lastSwitch = e.kind === 'context-switch' ? e : e.kind === 'translate' ? null : this.lastSwitch;
    if (this.queue.length === 0) {
      this.out(e);
      return;
    }
    const cause = causeOf(e);
    if (e.kind === 'page-fault') {
      // A fault explains only the invalidations of its own page (the kernel may be in the
      // middle of something else, e.g. exec writing argv, that the fault interrupted).
      const page = e.la >> 12n;
      for (const q of this.queue)
        if (q.cause === undefined && q.e.kind === 'tlb-invalidate' && q.e.la !== undefined && q.e.la >> 12n === page) {
          q.cause = cause!;
          this.open--;
        }
      this.queue.push({ e });
      if (this.open === 0) this.flush(undefined);
      return;
    }
    if (cause !== null) {
      this.queue.push({ e });
      return this.flush(cause, e);
    }
    if (e.kind === 'translate' && e.cpl === 3) {
      this.queue.push({ e });
      return this.flush(undefined);
    }
    this.queue.push({ e });
  }

  /** Writes the held events in order; invalidations still without a cause get `cause`. */
  private flush(cause: string | undefined, by?: TraceEvent): void {
    const q = this.queue;
    this.queue = [];
    this.open = 0;
    for (const x of q) this.out(x.e, x.e.kind === 'tlb-invalidate' ? (x.cause ?? (x.e === by ? undefined : cause)) : undefined);
  }

  finish(): void {
    this.flush(undefined);
  }
}
