/**
 * An error caused by the user's input (a bad file, a bad option, a bad program).
 * The command line prints its message as one line, never a stack trace.
 * `exitCode` 2 is a usage error; 1 anything else.
 */
export class PagewalkError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'PagewalkError';
  }
}
