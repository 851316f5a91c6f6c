// Path names: fs/namei.c limits and normalization (PATH_MAX 4096 with the NUL, NAME_MAX 255).
export const PATH_MAX = 4096;
export const NAME_MAX = 255;

/** Joins `path` to `cwd` (absolute, normalized) and returns the components; '..' at / stays at /. */
export function pathComponents(cwd: string, path: string): string[] {
  const full = path.startsWith('/') ? path : `${cwd}/${path}`;
  const out: string[] = [];
  for (const c of full.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

/** The absolute normalized path of components. */
export function joinPath(components: string[]): string {
  return '/' + components.join('/');
}
