import { CommanderError, type Command } from "commander";

/** Where a command writes: its results and help to `stdout`, progress and problems to `stderr`; tests pass buffers. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

/** Exit code of every command for a bad command line. */
export const EXIT_USAGE = 2;

/**
 * Parses a command's arguments with its output sent to `io` and without commander exiting the process.
 *
 * @param command the configured command
 * @param argv the arguments after the program name
 * @param io where help and usage errors go
 * @returns `undefined` to go on, or the exit code to stop with: 0 after `--help`, {@link EXIT_USAGE} on a usage error
 * @throws what the command's own argument parsers throw other than usage errors
 * @example
 * const stop = parseArguments(command, argv, io);
 * if (stop !== undefined) return stop;
 */
export function parseArguments(
  command: Command,
  argv: readonly string[],
  io: CommandIo,
): number | undefined {
  command
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  try {
    command.parse([...argv], { from: "user" });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    throw error;
  }
}
