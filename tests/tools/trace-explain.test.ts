// run --explain-faults and --report (tools/report/run-extras.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../../tools/command.ts';
import { parseRunArgs } from '../../tools/commands/run.ts';
import { extractRunExtras, runWithExtras } from '../../tools/report/run-extras.ts';
import { ROOT } from './docs-blocks.ts';

function io(): { io: CommandIO; out: () => string; err: () => string } {
  let out = '', err = '';
  const dec = new TextDecoder();
  return {
    io: {
      stdout: (s) => (out += typeof s === 'string' ? s : dec.decode(s)),
      stderr: (s) => (err += typeof s === 'string' ? s : dec.decode(s)),
      readStdin: () => new Uint8Array(0), cwd: ROOT, isTTY: false, env: {},
    },
    out: () => out,
    err: () => err,
  };
}

function run(argv: string[]) {
  const x = io();
  const { argv: rest, extras } = extractRunExtras(argv);
  const { options } = parseRunArgs(rest);
  options.stdout = (b) => x.io.stdout(b);
  options.stderr = (b) => x.io.stderr(b);
  const r = runWithExtras(options, extras, x.io);
  return { r, out: x.out(), err: x.err() };
}

describe('run --explain-faults / --report', () => {
  it('takes its options out of run\'s argv and leaves the rest', () => {
    expect(extractRunExtras(['--aslr', '0', '--explain-faults', '--report', 'r.html', 'p.s', '--report'])).toEqual({
      argv: ['--aslr', '0', 'p.s', '--report'], extras: { explainFaults: true, report: 'r.html' },
    });
  });
  it('explains every page fault: the walk that failed, the error code and the decision', () => {
    const { out, err } = run(['--explain-faults', '--aslr', '0', 'userland/examples/02-zero-page.s']);
    expect(out).toContain('after the first write: RSS +4 kB');
    const blocks = err.split(/\n(?=page fault #)/);
    const last2 = blocks.slice(-2);
    expect(last2[0]).toMatch(/^page fault #\d+ in pid \d+ at cycle [\d,]+: user read at 0x00007f[0-9a-f]{10}, pc 0x0000000000400[0-9a-f]{3}\n/);
    expect(last2[0]).toContain('page walk:');
    expect(last2[0]).toMatch(/ {4}pde\[0x[0-9a-f]{3}\] at 0x[0-9a-f]{13} = 0x0000000000000000 \(not present\): fault, error code 0x4/);
    expect(last2[0]).toContain('error code 0x4 (user read, page not present): bits set U/S; cause: page not present');
    expect(last2[0]).toMatch(/kernel: zero-page \(user read\) - read of an untouched anonymous page/);
    expect(last2[1]).toContain('error code 0x7 (user write, protection violation): bits set P W/R U/S');
    expect(last2[1]).toMatch(/kernel: cow-zero/);
    // The read left a read-only entry in the dTLB: the write faults on it without a walk.
    expect(last2[1]).toContain("it hit in the L1 TLB, and the cached entry's rights forbid this access (no walk)");
    expect(last2[1]).toContain('after 1 cycle it raised #PF');
    // What the decision changed in the page tables: the zero page read-only, then an own frame writable.
    expect(last2[0]).toMatch(/after the kernel handled it:\n {4}pte\[0x[0-9a-f]{3}\] at 0x[0-9a-f]{13} = 0x8[0-9a-f]{15} \(P US A XD\) -> frame 0x[0-9a-f]{13} => pa 0x[0-9a-f]{13}$/m);
    expect(last2[1]).toMatch(/after the kernel handled it:\n {4}pte\[0x[0-9a-f]{3}\] at 0x[0-9a-f]{13} = 0x8[0-9a-f]{15} \(P RW US A D XD\) -> frame/);
  });
  it('writes an HTML report with the floor plan, the VMAs, counters and faults by decision', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-report-'));
    try {
      const f = join(dir, 'r.html');
      const { r } = run(['--report', f, '--aslr', '0', 'userland/examples/03-fork-cow.s']);
      expect(r.exitCode).toBe(0);
      const html = readFileSync(f, 'utf8');
      expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="pagewalk-floorplan"');
      expect(html).toContain('exit status 0');
      expect(html).toMatch(/<tr><td>cow-copy<\/td><td class="n">\d+<\/td><\/tr>/);
      expect(html).toMatch(/<tr><td>cow-reuse<\/td><td class="n">\d+<\/td><\/tr>/);
      expect(html.match(/<tr class="vma-row">/g)!.length).toBeGreaterThanOrEqual(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
