// Renders the address-space report in headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core) and checks the screenshot is not blank and the elements are drawn.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../tools/report/html.ts';
import { buildModel, ptNodes } from '../../tools/report/model.ts';
import { reportForProgram } from '../../tools/report/from-run.ts';
import { handTables } from './hand-tables.ts';

const CHROMIUM = '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
if (!have) console.warn(`report-browser: skipped: ${CHROMIUM} is absent (apt-get install chromium)`);

const MAPS = `00400000-00402000 r-xp 00000000 00:00 3   /usr/bin/prog
00404000-00406000 rw-p 00000000 00:00 0   [heap]
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0   [stack]
`;

describe.skipIf(!have)('address-space report in headless Chromium', () => {
  let ctx: BrowserContext;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pagewalk-chromium-'));
    ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1300, height: 900 },
    });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Share of screenshot pixels that are not white, decoded by the browser itself. */
  async function inkRatio(png: Buffer): Promise<number> {
    const page = await ctx.newPage();
    // Written as a string: the test's TypeScript has no DOM types.
    const r = (await page.evaluate(`(async () => {
      const img = new Image();
      img.src = 'data:image/png;base64,${png.toString('base64')}';
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
      return ink / (d.length / 4);
    })()`)) as number;
    await page.close();
    return r;
  }

  async function check(html: string, vmas: number, ptNodesCount: number) {
    const page = await ctx.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.locator('svg.pagewalk-floorplan').count()).toBe(1);
    expect(await page.locator('g.vma').count()).toBe(vmas);
    expect(await page.locator('g.pt-node').count()).toBe(ptNodesCount);
    const box = await page.locator('g.vma rect.bar').first().boundingBox();
    expect(box && box.width > 50 && box.height > 10).toBe(true);
    const shot = await page.locator('svg.pagewalk-floorplan').screenshot();
    await page.close();
    const ink = await inkRatio(shot);
    expect(ink).toBeGreaterThan(0.03);
    expect(ink).toBeLessThan(0.95);
  }

  it('draws a hand-built address space: every VMA and page-table node is on the page, not blank', async () => {
    const t = handTables();
    t.map(0x400000n);
    t.map(0x404000n);
    t.map(0x7fffffffe000n);
    const m = buildModel({ title: 'hand-built', pid: 1, maps: MAPS, phys: t.phys, pml4: t.pml4 });
    await check(renderHtml(m), 3, ptNodes(m.pageTables).length);
  }, 60_000);

  it('draws the address space of a real program at exit', async () => {
    const r = reportForProgram({ program: 'userland/examples/01-first-touch.s', aslr: 0 });
    expect(r.model.vmas.length).toBeGreaterThanOrEqual(4);
    await check(r.html, r.model.vmas.length, ptNodes(r.model.pageTables).length);
  }, 60_000);
});
