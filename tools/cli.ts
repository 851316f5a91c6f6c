// `pagewalk <command> ...`: finds tools/commands/<command>.ts and runs it.
// Every user error ends as one line on stderr and a non-zero status, never a stack trace.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PagewalkError } from '../hw/errors.ts';
import type { Command, CommandIO } from './command.ts';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

export function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadCommand(name: string): Promise<Command | undefined> {
  if (!commandNames().includes(name)) return undefined;
  const mod = (await import(`./commands/${name}.ts`)) as { command: Command };
  return mod.command;
}

export function processIO(): CommandIO {
  let stdin: Uint8Array | undefined;
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: () => {
      if (stdin === undefined) {
        try {
          stdin = process.stdin.isTTY ? new Uint8Array(0) : new Uint8Array(readFileSync(0));
        } catch {
          stdin = new Uint8Array(0);
        }
      }
      return stdin;
    },
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
  };
}

/** Runs `pagewalk` with the given arguments; returns the exit status. */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const lines = ['usage: pagewalk <command> [options...]', '', 'commands:'];
      for (const n of commandNames()) {
        const c = await loadCommand(n);
        if (c) lines.push(`  ${n.padEnd(10)} ${c.summary}`);
      }
      lines.push('', "Run 'pagewalk <command> --help' for a command's options and examples.");
      io.stdout(lines.join('\n') + '\n');
      return name === undefined ? 2 : 0;
    }
    const cmd = await loadCommand(name);
    if (!cmd) throw new PagewalkError(`unknown command '${name}' (try 'pagewalk --help')`, 2);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(cmd.help.endsWith('\n') ? cmd.help : cmd.help + '\n');
      return 0;
    }
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof PagewalkError) {
      io.stderr(`pagewalk: ${e.message}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`pagewalk: internal error: ${msg.split('\n')[0]}\n`);
    return 70;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
