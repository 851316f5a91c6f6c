// `pagewalk run --report out.html`: one self-contained page with the floor plan, the VMA
// table, the run's counters and the page faults by kernel decision.
import { dec, hexLa, num, size } from '../format.ts';
import { vmaName, type AddressSpaceModel } from './model.ts';
import { escapeXml, renderSvg } from './svg.ts';

export interface ReportExtras {
  /** Counter name → value (the --stats figures). */
  counters?: Record<string, number>;
  /** Page faults by kernel decision. */
  faultsByDecision?: Record<string, number>;
  /** The command line that was run. */
  command?: string;
  /** How the run ended ("exit status 0", "killed by SIGSEGV ..."). */
  outcome?: string;
}

export function renderHtml(m: AddressSpaceModel, x: ReportExtras = {}): string {
  const rows = [...m.vmas]
    .sort((a, b) => (a.start < b.start ? -1 : 1))
    .map((v) => {
      const pages = Number((v.end - v.start) >> 12n);
      return (
        `<tr class="vma-row"><td>${hexLa(v.start)}</td><td>${hexLa(v.end)}</td><td>${v.perms}</td><td class="n">${escapeXml(size(pages * 4096))}</td>` +
        `<td class="n">${num(v.presentPages)}</td><td class="n">${v.rssKb === undefined ? '' : num(v.rssKb)}</td><td>${escapeXml(vmaName(v))}</td></tr>`
      );
    })
    .join('\n');
  const counters = x.counters
    ? `<h2>Counters</h2><table class="counters">${Object.entries(x.counters)
        .map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td class="n">${Number.isInteger(v) ? num(v) : dec(v, 2)}</td></tr>`)
        .join('')}</table>`
    : '';
  const faults = x.faultsByDecision
    ? `<h2>Page faults by kernel decision</h2><table class="faults">${Object.entries(x.faultsByDecision)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td class="n">${num(v)}</td></tr>`)
        .join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(m.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:20px;color:#222}
table{border-collapse:collapse;margin:8px 0 20px}td,th{padding:2px 10px;border-bottom:1px solid #ddd;font-family:ui-monospace,monospace;font-size:12px}
th{text-align:left}.n{text-align:right}
</style></head>
<body>
<h1>${escapeXml(m.title)}</h1>
${x.command ? `<p class="command"><code>${escapeXml(x.command)}</code></p>` : ''}
${x.outcome ? `<p class="outcome">${escapeXml(x.outcome)}</p>` : ''}
<h2>Floor plan</h2>
<div class="floorplan">${renderSvg(m)}</div>
<h2>VMAs</h2>
<table class="vmas"><tr><th>start</th><th>end</th><th>perms</th><th>size</th><th>present pages</th><th>Rss kB</th><th>backing</th></tr>
${rows}
</table>
${counters}
${faults}
</body></html>
`;
}
