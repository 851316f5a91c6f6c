// `pagewalk run --explain-faults`: every page fault printed with the walk that raised it
// (each paging-structure entry read, SDM 4.5), what the error code says (4.7) and what the
// kernel decided (the 'page-fault' event's decision).
// It listens to the MMU's translate/walk-step events and the kernel's page-fault events.
import type { TraceEvent, TraceSink } from '../../hw/trace.ts';
import { hexLa, num, paint, PLAIN, type Style } from '../format.ts';
import { pfAccess, pfCause, pfErrorBits, pfErrorText } from './decode.ts';
import { signalName, siCodeName } from './names.ts';
import { walkStepText } from './text.ts';

type Translate = Extract<TraceEvent, { kind: 'translate' }>;
type WalkStep = Extract<TraceEvent, { kind: 'walk-step' }>;
type PageFault = Extract<TraceEvent, { kind: 'page-fault' }>;

interface FaultingWalk {
  t: Translate;
  steps: WalkStep[];
  /** Steps that arrive after the translate event (an MMU that reports the result first). */
  open: boolean;
}

const TLB = {
  l1: 'it hit in the L1 TLB, and the cached entry\'s rights forbid this access (no walk)',
  l2: 'it hit in the STLB, and the cached entry\'s rights forbid this access (no walk)',
  miss: 'it missed the L1 TLB and the STLB and walked the page tables',
} as const;

/** Explains what the kernel decided, in words, for the decisions the fault handler reports. */
export function decisionText(decision: string): string {
  const d = decision.toLowerCase();
  const known: Record<string, string> = {
    'demand-zero': 'first touch of an anonymous page: the kernel allocated a zeroed frame and mapped it (do_anonymous_page)',
    'zero-page': 'read of an untouched anonymous page: the kernel mapped the shared zero page read-only (do_anonymous_page)',
    'cow-copy': 'write to a shared (copy-on-write) page: the kernel copied it into a new frame and mapped that writable (wp_page_copy)',
    'cow-zero': 'first write to a page that maps the shared zero page: the kernel mapped a fresh zeroed frame writable instead (wp_page_copy)',
    'shared-write': 'write to a shared mapping: the page (in the page cache or shmem) was made writable and marked dirty (do_shared_fault / wp_page_shared)',
    'shmem': 'shared anonymous memory (a shmem object): the page was found or created in its page cache and mapped (shmem_fault)',
    'sigsegv-pkuerr': 'the protection key of the page forbids the access: SIGSEGV with si_code SEGV_PKUERR',
    'oom': 'no memory left even after reclaim: the OOM killer chose a victim',
    'cow-reuse': 'write to a copy-on-write page that no one else maps any more: the kernel made the same frame writable (wp_page_reuse)',
    'page-cache-hit': 'the file page was already in the page cache: mapped without I/O (a minor fault, filemap_map_pages/filemap_fault)',
    'major': 'the file page was not in the page cache: the kernel read it from the device and waited (a major fault)',
    'stack-growth': 'access below the stack: the kernel extended the [stack] VMA downwards (expand_stack) and then handled the fault',
    'sigsegv-maperr': 'no VMA covers the address: SIGSEGV with si_code SEGV_MAPERR',
    'sigsegv-accerr': 'a VMA covers the address but forbids this access: SIGSEGV with si_code SEGV_ACCERR',
    'sigbus': 'the page lies beyond the end of the file: SIGBUS (BUS_ADRERR)',
    'spurious': 'the page-table entry already allowed the access (another CPU fixed it, or a stale TLB entry): nothing to do',
  };
  return known[d] ?? '';
}

export class FaultExplainer implements TraceSink {
  private readonly pending = new Map<number, WalkStep[]>();
  private readonly last = new Map<number, FaultingWalk>();
  private readonly recent: FaultingWalk[] = [];
  private faults = 0;

  /**
   * `after(pid, la)`, when given, returns lines describing the page-table entry that maps `la`
   * now, after the kernel handled the fault (what its decision changed).
   */
  constructor(
    private readonly write: (s: string) => void,
    private readonly style: Style = PLAIN,
    private readonly after?: (pid: number, la: bigint) => string[],
  ) {}

  get count(): number {
    return this.faults;
  }

  event(e: TraceEvent): void {
    switch (e.kind) {
      case 'walk-step': {
        const cur = this.last.get(e.cpu);
        if (cur && cur.open && cur.t.la === e.la) {
          cur.steps.push(e);
          return;
        }
        let p = this.pending.get(e.cpu);
        if (!p) this.pending.set(e.cpu, (p = []));
        p.push(e);
        return;
      }
      case 'translate': {
        const prev = this.last.get(e.cpu);
        if (prev) prev.open = false;
        const p = this.pending.get(e.cpu) ?? [];
        this.pending.set(e.cpu, []);
        if (!e.fault) {
          this.last.delete(e.cpu);
          return;
        }
        const steps = p.filter((s) => s.la === e.la);
        const w: FaultingWalk = { t: e, steps, open: steps.length === 0 };
        this.last.set(e.cpu, w);
        this.recent.push(w);
        if (this.recent.length > 16) this.recent.shift();
        return;
      }
      case 'page-fault':
        this.explain(e);
        return;
      case 'signal':
        if (this.faults > 0)
          this.write(`  ${paint(this.style, 'red', `=> ${signalName(e.sig)} (${siCodeName(e.sig, e.code)})`)} at ${hexLa(e.addr)} sent to pid ${e.pid}${e.detail ? `: ${e.detail}` : ''}\n`);
        return;
      default:
        return;
    }
  }

  private explain(f: PageFault): void {
    this.faults++;
    const s = this.style;
    const lines: string[] = [];
    lines.push(
      paint(s, 'bold', `page fault #${num(this.faults)}`) +
        ` in pid ${f.pid} at cycle ${num(f.cycle)}: ${pfAccess(f.errorCode)} at ${hexLa(f.la)}, pc ${hexLa(f.pc)}`,
    );
    // The walk that raised it: the latest faulting translation of this address.
    let w: FaultingWalk | undefined;
    // (For an access straddling two pages the fault may be in the second one.)
    const page = f.la >> 12n;
    for (let i = this.recent.length - 1; i >= 0; i--)
      if (this.recent[i].t.la >> 12n === page || (this.recent[i].t.la + BigInt(this.recent[i].t.size - 1)) >> 12n === page) {
        w = this.recent[i];
        this.recent.splice(i, 1);
        break;
      }
    if (w) {
      const t = w.t;
      lines.push(`  the MMU (cpu${t.cpu}, cpl ${t.cpl}) translated a ${t.size}-byte ${t.access} of ${hexLa(t.la)}: ${TLB[t.tlb]}`);
      if (w.steps.length) {
        lines.push('  page walk:');
        for (const st of w.steps) lines.push(`    ${walkStepText(st)}`);
      }
      lines.push(`  after ${num(t.cycles)} cycle${t.cycles === 1 ? '' : 's'} it raised #PF`);
    } else {
      lines.push('  (no walk was traced for this fault: it was taken by the kernel on behalf of a system call or before tracing began)');
    }
    lines.push(`  error code ${pfErrorText(f.errorCode)}: bits set ${pfErrorBits(f.errorCode)}; cause: ${pfCause(f.errorCode)}`);
    const why = decisionText(f.decision);
    lines.push(`  kernel: ${paint(s, 'bold', f.decision)}${f.detail ? ` (${f.detail})` : ''}${why ? ` - ${why}` : ''}`);
    const now = this.after?.(f.pid, f.la) ?? [];
    if (now.length) lines.push('  after the kernel handled it:', ...now.map((l) => `    ${l}`));
    this.write(lines.join('\n') + '\n');
  }
}
