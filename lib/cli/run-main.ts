import { staleBuildWarning } from "./stale-build";

/**
 * Runs a command as the process's main module: its result becomes the exit code, and an unexpected error is
 * printed as one line (`NAME failed: message`) with exit code 1. Commands print expected problems themselves.
 * A reader that goes away (`promote … | head`) does not crash the command: the rest of its output is dropped and
 * the work goes on, since a promotion stopped half-way helps no one. A compiled command older than the sources
 * beside it says so first.
 *
 * @param name the command's name, for the error line
 * @param command the command, taking the arguments after the program name
 * @example if (require.main === module) runMain("check", runCheckCommand);
 */
export function runMain(name: string, command: (argv: readonly string[]) => Promise<number>): void {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", ignoreClosedReader);
  const staleWarning = staleBuildWarning(__filename);
  if (staleWarning !== undefined) process.stderr.write(`${staleWarning}\n`);
  command(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

function ignoreClosedReader(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
}
