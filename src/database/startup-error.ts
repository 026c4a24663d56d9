/**
 * A reason the server cannot start that the operator fixes (permissions, a missing or dead
 * database): `main.ts` prints its message alone, on one line, without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
