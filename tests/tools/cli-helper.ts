// Runs `pagewalk ...` in-process with captured output (test helper).
import { main } from '../../tools/cli.ts';
import { ROOT } from './docs-blocks.ts';

export interface CliResult {
  out: string;
  err: string;
  status: number;
}

export async function cli(args: string[], o: { stdin?: string; tty?: boolean; env?: Record<string, string> } = {}): Promise<CliResult> {
  let out = '', err = '';
  const dec = new TextDecoder();
  const status = await main(args, {
    stdout: (s) => (out += typeof s === 'string' ? s : dec.decode(s)),
    stderr: (s) => (err += typeof s === 'string' ? s : dec.decode(s)),
    readStdin: () => new TextEncoder().encode(o.stdin ?? ''),
    cwd: ROOT,
    isTTY: o.tty ?? false,
    env: o.env ?? { NO_COLOR: '1' },
  });
  return { out, err, status };
}
