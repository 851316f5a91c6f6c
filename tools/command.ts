// The shape of one `pagewalk` subcommand. Each lives in tools/commands/<name>.ts and
// exports `command`; tools/cli.ts finds them by file name, so adding one touches no other file.

export interface Command {
  /** Subcommand name as typed (`pagewalk <name>`), equal to the file name. */
  name: string;
  /** One line for `pagewalk --help`. */
  summary: string;
  /** Full `--help` text, with examples. */
  help: string;
  /** Runs the command; returns the process exit status. Throw PagewalkError for user errors. */
  run(argv: string[], io: CommandIO): Promise<number> | number;
}

export interface CommandIO {
  stdout: (s: string | Uint8Array) => void;
  stderr: (s: string | Uint8Array) => void;
  /** Standard input as bytes (read lazily; empty when there is none). */
  readStdin: () => Uint8Array;
  cwd: string;
  /** True when stdout is a terminal (colour allowed unless NO_COLOR is set). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
}
