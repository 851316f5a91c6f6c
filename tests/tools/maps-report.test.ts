import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../tools/report/html.ts';
import { buildModel, parseMaps, parseSmaps, ptNodes, readPageTables } from '../../tools/report/model.ts';
import { renderSvg } from '../../tools/report/svg.ts';
import { handTables } from './hand-tables.ts';

const MAPS = `00400000-00402000 r-xp 00000000 00:00 3   /usr/bin/prog
00402000-00403000 r--p 00002000 00:00 3   /usr/bin/prog
00404000-00406000 rw-p 00000000 00:00 0   [heap]
7f0000000000-7f0000004000 rw-s 00000000 00:00 5   /root/data
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0   [stack]
`;
const SMAPS = `00404000-00406000 rw-p 00000000 00:00 0   [heap]
Size:                  8 kB
Rss:                   4 kB
Anonymous:             4 kB
Locked:                0 kB
`;

function sample() {
  const t = handTables();
  t.map(0x400000n);
  t.map(0x401000n);
  t.map(0x404000n);
  t.map(0x7fffffffe000n);
  t.map(0x7ffffffff000n - 0x1000n * 3n);
  return t;
}

describe('address-space model', () => {
  it('parses /proc/<pid>/maps lines and rejects anything else with the line number', () => {
    const v = parseMaps(MAPS);
    expect(v).toHaveLength(5);
    expect(v[2]).toMatchObject({ start: 0x404000n, end: 0x406000n, perms: 'rw-p', path: '[heap]' });
    expect(v[3].path).toBe('/root/data');
    expect(() => parseMaps('hello\n')).toThrow(/maps line 1/);
  });
  it('parses smaps fields in kB by VMA start', () => {
    expect(parseSmaps(SMAPS).get(0x404000n)).toEqual({ Size: 8, Rss: 4, Anonymous: 4, Locked: 0 });
  });
  it('reads the user half of the page-table tree from physical memory, counting present entries', () => {
    const t = sample();
    const present: number[] = [];
    const root = readPageTables(t.phys, t.pml4, present);
    const nodes = ptNodes(root);
    expect(nodes.filter((n) => n.level === 4)).toHaveLength(1);
    expect(root.present).toBe(2); // PML4 entries 0 and 255
    expect(nodes.filter((n) => n.level === 1)).toHaveLength(2);
    expect(present.sort((a, b) => a - b)).toEqual([0x400, 0x401, 0x404, 0x7fffffffc, 0x7fffffffe]);
  });
  it('counts a 2 MiB page as 512 present pages', () => {
    const t = handTables();
    t.map(0x600000n, true);
    const present: number[] = [];
    const root = readPageTables(t.phys, t.pml4, present);
    expect(present).toHaveLength(512);
    expect(ptNodes(root).find((n) => n.level === 2)?.leaves).toBe(1);
  });
  it('assigns present pages to their VMAs and takes Rss from smaps', () => {
    const t = sample();
    const m = buildModel({ title: 't', pid: 2, maps: MAPS, smaps: SMAPS, phys: t.phys, pml4: t.pml4 });
    expect(m.vmas.map((v) => v.presentPages)).toEqual([2, 0, 1, 0, 2]);
    expect(m.vmas[2].rssKb).toBe(4);
  });
});

describe('address-space picture (SVG, HTML)', () => {
  const t = sample();
  const m = buildModel({ title: 'pid 2 (prog) at exit', pid: 2, maps: MAPS, smaps: SMAPS, phys: t.phys, pml4: t.pml4 });
  const svg = renderSvg(m);
  it('draws one group per VMA with its permissions, and one box per page-table node', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g class="vma/g)).toHaveLength(5);
    expect(svg.match(/<g class="pt-node"/g)).toHaveLength(ptNodes(m.pageTables).length);
    expect(svg).toContain('data-perms="rw-s"');
    expect(svg).toContain('class="vma shared"');
    expect(svg).toContain('0x0000000000404000-0x0000000000406000 rw-p [heap]');
    expect(svg).toContain('8 KiB: 1 of 2 pages present, Rss 4 kB');
  });
  it('draws one resident cell per present page of a small VMA and none for an untouched one', () => {
    const heap = svg.slice(svg.indexOf('data-start="0x0000000000404000"'));
    const group = heap.slice(0, heap.indexOf('</g>'));
    expect(group.match(/class="resident"/g)).toHaveLength(1);
    const ro = svg.slice(svg.indexOf('data-start="0x0000000000402000"'));
    expect(ro.slice(0, ro.indexOf('</g>'))).not.toContain('class="resident"');
  });
  it('stacks VMAs from the highest address down, with a log-scaled height', () => {
    const tops = [...svg.matchAll(/<g class="vma[^"]*" data-start="([^"]+)"[^>]*>.*?<rect class="bar" x="\d+" y="([\d.]+)" width="\d+" height="([\d.]+)"/g)].map(
      (r) => ({ start: BigInt(r[1]), y: Number(r[2]), h: Number(r[3]) }),
    );
    expect(tops.map((r) => r.start)).toEqual([0x7ffffffde000n, 0x7f0000000000n, 0x404000n, 0x402000n, 0x400000n]);
    for (let i = 1; i < tops.length; i++) expect(tops[i].y).toBeGreaterThan(tops[i - 1].y);
    const stack = tops[0], ro = tops[3];
    expect(stack.h - ro.h).toBe(Math.round(12 * Math.log2(33))); // 33 pages vs 1 page
  });
  it('escapes names and writes a self-contained HTML report', () => {
    const m2 = { ...m, vmas: [{ ...m.vmas[0], path: '/tmp/<a&b>' }] };
    expect(renderSvg(m2)).toContain('/tmp/&lt;a&amp;b&gt;');
    const html = renderHtml(m, { counters: { cycles: 12345 }, faultsByDecision: { 'demand-zero': 3 }, command: 'pagewalk run prog.s' });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<tr class="vma-row">/g)).toHaveLength(5);
    expect(html).toContain('<td class="n">12,345</td>');
    expect(html).toContain('demand-zero');
  });
});
