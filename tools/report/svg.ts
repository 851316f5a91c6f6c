// The floor plan of an address space as SVG: the VMAs to scale on a log axis (highest
// address at the top, as the classic diagrams draw it), each with its permissions, backing
// and resident pages, the gaps between them, and the page-table tree that maps them
// (page tables nearest the VMAs they map, the PML4 on the far right).
import { approxSize, hexLa, num, size } from '../format.ts';
import { ptNodes, vmaName, type AddressSpaceModel, type PtNode, type VmaInfo } from './model.ts';

const W = 1240;
const TOP = 78;
const BAR_X = 20;
const BAR_W = 200;
const STRIP_W = 36;
const LABEL_X = BAR_X + BAR_W + 12;
/** Pixels per doubling of a VMA's size: the log axis. */
const PX_PER_DOUBLING = 12;
const VMA_MIN_H = 34;
const NODE_W = 104;
const NODE_H = 18;
const NODE_GAP = 4;
/** x of the page-table columns by level (1 = page tables ... 4 = PML4). */
const COL_X = [0, 720, 848, 976, 1104];
const LEVEL_LABEL = ['', 'PT', 'PD', 'PDPT', 'PML4'];
const SPAN = [0n, 1n << 21n, 1n << 30n, 1n << 39n, 1n << 48n];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Fill colour by permissions: code blue, data green, read-only grey, no access dark, rwx red. */
export function permColour(perms: string): string {
  const r = perms[0] === 'r', w = perms[1] === 'w', x = perms[2] === 'x';
  if (w && x) return '#e58a8a';
  if (x) return '#8fb4e8';
  if (w) return '#9ad69a';
  if (r) return '#d9d9d9';
  return '#8c8c8c';
}

interface Segment {
  lo: bigint;
  hi: bigint;
  top: number;
  bottom: number;
}

function log2(n: number): number {
  return n <= 1 ? 0 : Math.log2(n);
}

/** Renders the model; the result is a standalone SVG document. */
export function renderSvg(m: AddressSpaceModel): string {
  const vmas = [...m.vmas].sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0));
  const parts: string[] = [];
  const segments: Segment[] = [];
  let y = TOP;
  const vmaY = new Map<VmaInfo, Segment>();
  vmas.forEach((v, i) => {
    const pages = Number((v.end - v.start) >> 12n);
    const h = Math.round(VMA_MIN_H + PX_PER_DOUBLING * log2(pages));
    const seg = { lo: v.start, hi: v.end, top: y, bottom: y + h };
    segments.push(seg);
    vmaY.set(v, seg);
    y += h;
    const next = vmas[i + 1];
    if (next) {
      const gapPages = Number((v.start - next.end) >> 12n);
      const gh = gapPages <= 0 ? 3 : Math.round(10 + 2.5 * log2(gapPages));
      if (gapPages > 0) segments.push({ lo: next.end, hi: v.start, top: y, bottom: y + gh });
      if (gapPages > 0 && gh >= 12)
        parts.push(`<text class="gap" x="${BAR_X + BAR_W / 2}" y="${y + gh / 2 + 4}" text-anchor="middle">gap ${escapeXml(approxSize(gapPages * 4096))}</text>`);
      y += gh;
    }
  });
  const vmaBottom = y;

  // The VMAs.
  for (const v of vmas) parts.push(drawVma(v, vmaY.get(v)!));

  // The page-table tree.
  const addrY = (a: bigint): number => {
    for (const s of segments) if (a >= s.lo && a < s.hi) return s.bottom - (Number(a - s.lo) / Number(s.hi - s.lo)) * (s.bottom - s.top);
    if (segments.length === 0) return TOP;
    return a >= segments[0].hi ? segments[0].top : segments[segments.length - 1].bottom;
  };
  const treeParts: string[] = [];
  let treeBottom = TOP;
  if (m.pageTables) {
    const nodes = ptNodes(m.pageTables);
    const pos = new Map<PtNode, number>();
    // Page tables first, at the height of what they map; then each level centred on its children.
    for (let level = 1; level <= 4; level++) {
      const at = nodes.filter((n) => n.level === level).sort((a, b) => (a.base < b.base ? 1 : a.base > b.base ? -1 : 0));
      const want = at.map((n) => {
        if (n.children.length) return n.children.reduce((s, c) => s + pos.get(c)!, 0) / n.children.length;
        return addrY(n.base + SPAN[n.level] / 2n) - NODE_H / 2;
      });
      let last = -Infinity;
      at.forEach((n, i) => {
        const yy = Math.max(want[i], last + NODE_H + NODE_GAP, TOP);
        pos.set(n, yy);
        last = yy;
      });
    }
    for (const n of nodes) {
      const ny = pos.get(n)!;
      treeBottom = Math.max(treeBottom, ny + NODE_H);
      const x = COL_X[n.level];
      for (const c of n.children) {
        const cy = pos.get(c)! + NODE_H / 2;
        treeParts.push(`<path class="pt-edge" d="M${x} ${ny + NODE_H / 2} L${COL_X[c.level] + NODE_W} ${cy}"/>`);
      }
      if (n.level === 1) {
        // Link a page table to the VMAs (the parts of them) it maps.
        const lo = n.base, hi = n.base + SPAN[1];
        for (const v of vmas) {
          if (v.end <= lo || v.start >= hi) continue;
          const a = v.start > lo ? v.start : lo;
          const b = v.end < hi ? v.end : hi;
          const s = vmaY.get(v)!;
          const mid = Math.min(s.bottom - 4, Math.max(s.top + 4, addrY(a + (b - a) / 2n)));
          treeParts.push(`<path class="pt-map" d="M${x} ${ny + NODE_H / 2} L${BAR_X + BAR_W} ${mid.toFixed(1)}"/>`);
        }
      }
      const label = `${LEVEL_LABEL[n.level]} ${n.present}/${n.level === 4 ? 256 : 512}`;
      const tip = `${LEVEL_LABEL[n.level]} at pa ${hexLa(n.pa)} covering ${hexLa(n.base)}.., ${n.present} present entries, ${n.leaves} map pages`;
      treeParts.push(
        `<g class="pt-node" data-level="${n.level}" data-pa="${n.pa}"><title>${escapeXml(tip)}</title>` +
          `<rect x="${x}" y="${ny}" width="${NODE_W}" height="${NODE_H}" rx="3"/>` +
          `<text x="${x + 6}" y="${ny + 13}">${escapeXml(label)}</text></g>`,
      );
    }
    for (let level = 4; level >= 1; level--)
      parts.push(`<text class="col" x="${COL_X[level] + NODE_W / 2}" y="${TOP - 10}" text-anchor="middle">${level === 1 ? 'page tables' : LEVEL_LABEL[level]}</text>`);
  }

  const height = Math.ceil(Math.max(vmaBottom, treeBottom) + 30);
  const header =
    `<text class="title" x="${BAR_X}" y="26">${escapeXml(m.title)}</text>` +
    `<text class="legend" x="${BAR_X}" y="46">VMAs from high to low addresses; height grows by ${PX_PER_DOUBLING} px per doubling of size (log scale). ` +
    `Dark cells: pages present in the page tables. Colours: code blue, writable green, read-only grey, no access dark.</text>` +
    `<text class="col" x="${BAR_X + BAR_W / 2}" y="${TOP - 10}" text-anchor="middle">VMAs (${num(m.vmas.length)})</text>`;
  const style =
    '<style>' +
    'text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#222}' +
    '.title{font-size:15px;font-weight:bold}.legend{font-size:10px;fill:#555}.gap{font-size:10px;fill:#888}.col{font-size:11px;font-weight:bold;fill:#444}' +
    '.vma rect.bar{stroke:#333;stroke-width:1}.vma.shared rect.bar{stroke-dasharray:4 2}.resident{fill:#1d3b5c}.strip{fill:#fff;stroke:#999}' +
    '.pt-node rect{fill:#fff6d8;stroke:#b08a2a}.pt-edge{stroke:#b08a2a;fill:none}.pt-map{stroke:#c9b27a;stroke-dasharray:2 3;fill:none}' +
    '</style>';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="pagewalk-floorplan" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">` +
    style + `<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>` + header + parts.join('') + treeParts.join('') + '</svg>\n'
  );
}

function drawVma(v: VmaInfo, s: Segment): string {
  const pages = Number((v.end - v.start) >> 12n);
  const h = s.bottom - s.top;
  const shared = v.perms[3] === 's';
  const out: string[] = [];
  out.push(
    `<g class="vma${shared ? ' shared' : ''}" data-start="${hexLa(v.start)}" data-end="${hexLa(v.end)}" data-perms="${v.perms}" data-present="${v.presentPages}">`,
  );
  out.push(`<title>${escapeXml(`${hexLa(v.start)}-${hexLa(v.end)} ${v.perms} ${vmaName(v)}`)}</title>`);
  out.push(`<rect class="bar" x="${BAR_X}" y="${s.top}" width="${BAR_W}" height="${h}" fill="${permColour(v.perms)}"/>`);
  // Residency strip: one cell per slice of the VMA (high addresses at the top, as the axis).
  const sx = BAR_X + BAR_W - STRIP_W - 4;
  out.push(`<rect class="strip" x="${sx}" y="${s.top + 3}" width="${STRIP_W}" height="${h - 6}"/>`);
  const cells = Math.max(1, Math.min(pages, Math.floor((h - 6) / 2)));
  const first = Number(v.start >> 12n);
  const counts = new Array<number>(cells).fill(0);
  for (const p of v.present) counts[Math.min(cells - 1, Math.floor(((p - first) * cells) / pages))]++;
  const ch = (h - 6) / cells;
  for (let c = 0; c < cells; c++) {
    if (counts[c] === 0) continue;
    const slicePages = Math.ceil(pages / cells);
    const op = Math.min(1, counts[c] / slicePages);
    const cy = s.top + 3 + (cells - 1 - c) * ch;
    out.push(`<rect class="resident" x="${sx + 1}" y="${cy.toFixed(2)}" width="${STRIP_W - 2}" height="${Math.max(ch, 1).toFixed(2)}" fill-opacity="${op.toFixed(2)}"/>`);
  }
  out.push(`<text x="${BAR_X + 6}" y="${s.top + 15}">${escapeXml(v.perms)}</text>`);
  out.push(`<text x="${LABEL_X}" y="${s.top + 14}">${escapeXml(`${hexLa(v.start)}-${hexLa(v.end)} ${v.perms} ${vmaName(v)}`)}</text>`);
  const rss = v.rssKb !== undefined ? `, Rss ${num(v.rssKb)} kB` : '';
  const locked = v.lockedKb ? `, Locked ${num(v.lockedKb)} kB` : '';
  out.push(`<text x="${LABEL_X}" y="${s.top + 28}">${escapeXml(`${size(pages * 4096)}: ${num(v.presentPages)} of ${num(pages)} pages present${rss}${locked}`)}</text>`);
  out.push('</g>');
  return out.join('');
}
