import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.ts';

const LAB7 = 'userland/examples/07-munmap.s';
const LAB3 = 'userland/examples/03-fork-cow.s';
const MAPS_LINE = /^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} \d+ *.*$/;

describe('pagewalk maps', () => {
  it('prints /proc/<pid>/maps just before exit, as the program itself printed it', async () => {
    const r = await cli(['maps', '--aslr', '0', LAB7]);
    expect(r.status).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.every((l) => MAPS_LINE.test(l))).toBe(true);
    const own = await cli(['run', '--aslr', '0', LAB7]);
    const printed = own.out.split('\n');
    const from = printed.indexOf('/proc/self/maps now:') + 1;
    expect(lines).toEqual(printed.slice(from, from + lines.length));
  });
  it('--at-cycle shows an earlier address space (no munmap hole yet before the program ran)', async () => {
    const early = (await cli(['maps', '--aslr', '0', '--at-cycle', '1', LAB7])).out.trimEnd().split('\n');
    const late = (await cli(['maps', '--aslr', '0', LAB7])).out.trimEnd().split('\n');
    expect(early.length).toBeLessThan(late.length);
    expect(early.some((l) => l.endsWith('[stack]'))).toBe(true);
  });
  it('--pid picks a forked child; --smaps prints smaps; --json the VMAs with present pages', async () => {
    const j = JSON.parse((await cli(['maps', '--aslr', '0', '--json', LAB3])).out);
    const child = await cli(['maps', '--aslr', '0', '--pid', String(j.pid + 1), LAB3]);
    expect(child.status).toBe(0);
    expect(child.out).toMatch(/\[stack\]\n$/);
    const smaps = await cli(['maps', '--aslr', '0', '--smaps', LAB3]);
    expect(smaps.out).toMatch(/\nRss: +\d+ kB\n/);
    expect(j.when).toBe('at exit_group(0)');
    const region = j.vmas.find((v: { rssKb: number; path: string; presentPages: number }) => v.path === '' && v.presentPages === 8);
    expect(region).toBeDefined();
    expect(region.rssKb).toBe(32);
    expect(region.start).toMatch(/^0x[0-9a-f]{16}$/);
  });
  it('--svg draws the floor plan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-maps-'));
    try {
      const f = join(dir, 'plan.svg');
      const r = await cli(['maps', '--aslr', '0', '--svg', f, LAB7]);
      expect(r.status).toBe(0);
      const svg = readFileSync(f, 'utf8');
      expect(svg.match(/<g class="vma/g)?.length).toBe(r.out.trimEnd().split('\n').length);
      expect(svg).toContain('<g class="pt-node" data-level="4"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it.each([
    [['maps', '--at-exit', '--at-cycle', '5', LAB7], 'pagewalk: maps: --at-exit and --at-cycle exclude each other'],
    [['maps', '--at-cycle', 'soon', LAB7], "pagewalk: maps: --at-cycle: 'soon' is not a non-negative integer"],
    [['maps'], "pagewalk: maps: missing PROG (try 'pagewalk maps --help')"],
  ])('usage error %j exits 2 with one line', async (args, line) => {
    const r = await cli(args);
    expect(r.status).toBe(2);
    expect(r.err).toBe(line + '\n');
  });
  it('an unknown pid is one clear error line', async () => {
    const r = await cli(['maps', '--aslr', '0', '--pid', '9', LAB7]);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^pagewalk: no process with pid 9 ran \(pids seen: \d+\)\n$/);
  });
});
