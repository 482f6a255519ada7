/** Errors in how a command was called (exit code 2), as opposed to failures of the operation (1). */
export class UsageError extends Error {}

export interface Command {
  help(): string;
  /** Resolves with the exit code; long-running commands resolve when they stop. */
  run(args: string[]): Promise<number>;
}
