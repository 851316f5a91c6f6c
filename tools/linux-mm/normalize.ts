// The linux-mm conformance normalization (tests/fixtures/linux-mm/README.md, "Normalization"):
// maps a raw scenario transcript to the canonical text compared with NAME.expected.
// Addresses are bigint here: this is a tool, not a hot path.

const ARENA_LO = 0x200000000n;
const ARENA_HI = 0x300000000n;
const NEAR = 0x40000000n; // 1 GiB
const SMAPS_FIELDS = [
  'Size', 'Rss', 'Pss', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty',
  'Anonymous', 'Swap', 'Locked',
] as const;
const VMFLAGS_KEPT = ['rd', 'wr', 'ex', 'sh', 'mr', 'mw', 'ms', 'gd', 'lo', 'dc'] as const;
const STATUS_DELTA = ['VmSize', 'VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmData', 'VmStk'] as const;
const STATUS_ABS = ['VmLck', 'VmSwap'] as const;
const UNCHANGED = new Set(['RET', 'VAL', 'WROTE', 'TOUCH', 'FREAD', 'FWRITE', 'CHILD-END', 'END']);

interface Anchor { name: string; base: bigint; end: bigint }
interface Context { minflt: bigint; majflt: bigint; status: Map<string, number> }

const roundUp = (x: bigint) => (x + 0xfffn) & ~0xfffn;
const hex = (x: bigint) => (x < 0n ? `-0x${(-x).toString(16)}` : `0x${x.toString(16)}`);
const inArena = (x: bigint) => x >= ARENA_LO && x < ARENA_HI;

/** Parses a hex (`0x..`, `-0x..`) or decimal number of the raw transcript. */
function num(s: string | undefined): bigint | undefined {
  if (s === undefined) return undefined;
  const m = /^(-?)(0x[0-9a-fA-F]+|[0-9]+)$/.exec(s);
  if (!m) return undefined;
  const v = BigInt(m[2]);
  return m[1] ? -v : v;
}

/** One parsed /proc/<pid>/maps line (fs/proc/task_mmu.c: show_map_vma()). */
export interface MapsLine { start: bigint; end: bigint; perms: string; offset: string; dev: string; inode: string; path: string }

export function parseMapsLine(line: string): MapsLine | undefined {
  const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(.*)$/.exec(line);
  if (!m) return undefined;
  return {
    start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3], offset: m[4], dev: m[5],
    inode: m[6], path: m[7].trim(),
  };
}

export class Normalizer {
  private readonly anchors: Anchor[] = [];
  private brk0: bigint | undefined;
  private brkHi = 0n;
  private readonly files = new Set<string>();
  private readonly contexts: Context[] = [{ minflt: 0n, majflt: 0n, status: new Map() }];
  private depth = 0;
  private readonly out: string[] = [];

  private get ctx(): Context {
    return this.contexts[this.contexts.length - 1];
  }

  private emit(line: string, extra = 0): void {
    this.out.push('  '.repeat(this.depth + extra) + line);
  }

  /** render(x): README "Addresses". `asEnd`: x is the end of a range (containment is base < x <= end). */
  render(x: bigint, asEnd = false): string {
    if (x < 0x400000n || inArena(x)) return hex(x);
    // Candidates, oldest first (brk0 is older than every real anchor).
    const cands: Anchor[] = [];
    if (this.brk0 !== undefined && x >= this.brk0 && x <= this.brkHi)
      cands.push({ name: 'brk0', base: this.brk0, end: this.brkHi });
    for (const a of this.anchors) {
      if (inArena(a.base)) continue;
      const d = x - a.base;
      if (d < NEAR && -d < NEAR) cands.push(a);
    }
    if (cands.length === 0) return '?';
    let pick: Anchor | undefined;
    for (const a of cands) {
      const inside = asEnd ? a.base < x && x <= a.end : a.base <= x && x < a.end;
      if (inside) pick = a; // later candidates are more recent
    }
    if (pick === undefined) {
      let best = -1n;
      for (const a of cands) {
        // Distance to the region: base - x below it, x - end above it (an end address equal to the
        // base is not "contained" and lies at distance 0 below).
        const dist = x <= a.base ? a.base - x : x >= a.end ? x - a.end : 0n;
        if (best < 0n || dist <= best) {
          best = dist;
          pick = a;
        }
      }
    }
    const a = pick!;
    return x >= a.base ? `${a.name}+${hex(x - a.base)}` : `${a.name}-${hex(a.base - x)}`;
  }

  /** Scenario regions: every anchor's region, and the heap [brk0, brk_hi) when non-empty. */
  private keptStart(l: MapsLine): bigint | undefined {
    let keep = false;
    for (const a of this.anchors) if (l.start < a.end && a.base < l.end) keep = true;
    const b0 = this.brk0;
    if (b0 !== undefined && this.brkHi > b0 && l.start < this.brkHi && b0 < l.end) keep = true;
    if (!keep) return undefined;
    if (b0 !== undefined && l.start < b0 && l.end > b0) return b0;
    return l.start;
  }

  private renderMapsLine(l: MapsLine, start: bigint): string {
    const devino = /^0+$/.test(l.inode) ? '00:00 0' : 'DEV INO';
    let path = l.path;
    if (path !== '') {
      const deleted = path.endsWith(' (deleted)');
      const p = deleted ? path.slice(0, -' (deleted)'.length) : path;
      const last = p.slice(p.lastIndexOf('/') + 1);
      if (this.files.has(last)) path = last + (deleted ? ' (deleted)' : '');
    }
    return `${this.render(start)} ${this.render(l.end, true)} ${l.perms} ${l.offset} ${devino} ${path}`.trimEnd();
  }

  private dumpMaps(lines: string[]): void {
    this.emit('MAPS');
    for (const line of lines) {
      const l = parseMapsLine(line);
      if (!l) continue;
      const s = this.keptStart(l);
      if (s !== undefined) this.emit(this.renderMapsLine(l, s), 1);
    }
  }

  private dumpSmaps(lines: string[]): void {
    this.emit('SMAPS');
    let i = 0;
    while (i < lines.length) {
      const l = parseMapsLine(lines[i]);
      i++;
      if (!l) continue;
      const fields = new Map<string, string>();
      while (i < lines.length && !parseMapsLine(lines[i])) {
        const m = /^(\w+):\s*(.*)$/.exec(lines[i]);
        if (m) fields.set(m[1], m[2].trim());
        i++;
      }
      const s = this.keptStart(l);
      if (s === undefined) continue;
      this.emit(this.renderMapsLine(l, s), 1);
      const parts: string[] = [];
      for (const f of SMAPS_FIELDS) {
        const v = fields.get(f);
        const m = v === undefined ? null : /^(\d+) kB$/.exec(v);
        parts.push(`${f}=${m ? m[1] : '?'}`);
      }
      const vf = fields.get('VmFlags');
      if (vf === undefined) parts.push('VmFlags=?');
      else {
        const have = new Set(vf.split(/\s+/));
        parts.push('VmFlags=' + VMFLAGS_KEPT.filter((f) => have.has(f)).join(','));
      }
      this.emit(parts.join(' '), 2);
    }
  }

  private static parseStatus(lines: string[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const line of lines) {
      const r = /^(\w+):\s*(\d+) kB$/.exec(line);
      if (r) m.set(r[1], Number(r[2]));
    }
    return m;
  }

  private dumpStatus(lines: string[]): void {
    const cur = Normalizer.parseStatus(lines);
    const base = this.ctx.status;
    const parts: string[] = [];
    for (const f of STATUS_DELTA) {
      const v = cur.get(f);
      const b = base.get(f);
      if (v === undefined || b === undefined) parts.push(`${f}=?`);
      else parts.push(`${f}=${v - b >= 0 ? '+' : ''}${v - b}`);
    }
    for (const f of STATUS_ABS) {
      const v = cur.get(f);
      parts.push(`${f}=${v === undefined ? '?' : v}`);
    }
    this.emit('STATUS ' + parts.join(' '));
  }

  private line(line: string): void {
    const w = line.split(' ');
    const tag = w[0];
    const bad = () => this.emit('?? ' + line);
    switch (tag) {
      case 'BRK0': {
        const a = num(w[1]);
        if (a === undefined) return bad();
        this.brk0 = a;
        this.brkHi = a;
        return this.emit('BRK0');
      }
      case 'FAULTS-BASE': {
        const m = num(w[1]), j = num(w[2]);
        if (m === undefined || j === undefined) return bad();
        this.ctx.minflt = m;
        this.ctx.majflt = j;
        return;
      }
      case 'FAULTS': {
        const m = num(w[1]), j = num(w[2]);
        if (m === undefined || j === undefined) return bad();
        const dm = m - this.ctx.minflt, dj = j - this.ctx.majflt;
        this.ctx.minflt = m;
        this.ctx.majflt = j;
        const f = (d: bigint) => (d < 0n ? hex(d) : '+' + hex(d));
        return this.emit(`FAULTS ${f(dm)} ${f(dj)}`);
      }
      case 'MAP':
      case 'REMAP': {
        const len = num(w[2]), r = num(w[3]);
        if (w.length !== 4 || len === undefined || r === undefined) return bad();
        if (r < 0n) return this.emit(line);
        this.emit(`${tag} ${w[1]} ${w[2]} ${this.render(r)}`);
        this.anchors.push({ name: w[1], base: r, end: r + roundUp(len) });
        return;
      }
      case 'BRK': {
        const v = num(w[1]);
        if (v === undefined) return bad();
        if (this.brk0 !== undefined && v > this.brk0 && roundUp(v) > this.brkHi) this.brkHi = roundUp(v);
        return this.emit(`BRK ${this.render(v)}`);
      }
      case 'SIG': {
        const a = num(w[3]);
        if (w.length !== 4 || a === undefined) return bad();
        return this.emit(`SIG ${w[1]} ${w[2]} ${this.render(a)}`);
      }
      case 'CHILD-BEGIN': {
        this.emit('CHILD-BEGIN');
        this.contexts.push({ minflt: 0n, majflt: 0n, status: new Map() });
        this.depth++;
        return;
      }
      case 'WAIT': {
        const s = num(w[1]);
        if (s === undefined) return bad();
        if (this.contexts.length > 1) {
          this.contexts.pop();
          this.depth--;
        }
        let st = s;
        const low = st & 0x7fn;
        if (low !== 0n && low !== 0x7fn) st &= ~0x80n;
        return this.emit(`WAIT ${hex(st)}`);
      }
      case 'FILE': {
        if (w.length < 2) return bad();
        this.files.add(w[1]);
        return this.emit(line);
      }
      default:
        if (UNCHANGED.has(tag)) return this.emit(line);
        return bad();
    }
  }

  /** Normalizes a whole raw transcript; returns the canonical text (one line each, newline-terminated). */
  run(raw: string): string {
    const lines = raw.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const blocks: Record<string, (l: string[]) => void> = {
      'MAPS-BEGIN': (l) => this.dumpMaps(l),
      'SMAPS-BEGIN': (l) => this.dumpSmaps(l),
      'STATUS-BEGIN': (l) => this.dumpStatus(l),
      'STATUS-BASE-BEGIN': (l) => {
        this.ctx.status = Normalizer.parseStatus(l);
      },
    };
    let i = 0;
    while (i < lines.length) {
      const line = lines[i++];
      const block = blocks[line];
      if (block) {
        const endTag = line.replace(/-BEGIN$/, '-END');
        const body: string[] = [];
        while (i < lines.length && lines[i] !== endTag) body.push(lines[i++]);
        i++; // the END tag (missing when the program died inside the dump)
        block(body);
        continue;
      }
      this.line(line);
    }
    return this.out.map((l) => l).join('\n') + (this.out.length ? '\n' : '');
  }
}

/** README "Normalization": the canonical text of a raw transcript. */
export function normalize(raw: string): string {
  return new Normalizer().run(raw);
}
