// The architecture's layering (docs/architecture.md): hw/ imports nothing above it; kernel/
// imports only hw/; userland/ imports hw/ and kernel/uapi/ (the ABI), never the kernel itself.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Project-relative targets of a file's relative imports. */
function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) out.push(relative(root, resolve(dirname(file), m[1])));
  return out;
}

const allowed: Record<string, (target: string) => boolean> = {
  hw: (t) => t.startsWith('hw/'),
  kernel: (t) => t.startsWith('hw/') || t.startsWith('kernel/'),
  userland: (t) => t.startsWith('hw/') || t.startsWith('kernel/uapi/') || t.startsWith('userland/'),
};

describe('layering', () => {
  for (const [layer, ok] of Object.entries(allowed)) {
    it(`${layer}/ imports only what the layers below it offer`, () => {
      const bad = tsFiles(join(root, layer)).flatMap((f) =>
        imports(f).filter((t) => !ok(t)).map((t) => `${relative(root, f)} -> ${t}`));
      expect(bad).toEqual([]);
    });
  }
});
