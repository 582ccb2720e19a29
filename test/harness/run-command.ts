import { execFile } from "node:child_process";

/** A helper command (skopeo, htpasswd, openssl) that exited non-zero or could not be started. */
export class CommandError extends Error {
  override readonly name = "CommandError";

  /**
   * @param command the program and its arguments, secrets already masked
   * @param exitCode the exit code, or `null` when the program was killed or never started
   * @param stderr everything the program wrote to stderr, secrets masked
   */
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command.join(" ")} failed (exit ${exitCode ?? "none"}): ${stderr.trim() || "no stderr"}`);
  }
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  /** Arguments to show as `***` in error messages (passwords, `user:password` pairs). */
  readonly secrets?: readonly string[];
  /** Environment for the program; defaults to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs a program without a shell and collects its output as bytes.
 *
 * @param program the executable, looked up on `PATH`
 * @param args its arguments
 * @param options secrets to mask and the environment
 * @returns stdout as bytes (raw, so manifests come back byte-identical) and stderr as text
 * @throws {CommandError} when the program cannot start or exits non-zero; the message includes its stderr
 */
export function runCommand(
  program: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<{ stdout: Buffer; stderr: string }> {
  const mask = (text: string): string =>
    (options.secrets ?? []).reduce((masked, secret) => (secret ? masked.split(secret).join("***") : masked), text);
  const shown = [program, ...args].map(mask);
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { encoding: "buffer", maxBuffer: 256 * 1024 * 1024, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        const stderrText = stderr.toString("utf8");
        if (error) {
          const exitCode = typeof error.code === "number" ? error.code : null;
          const detail = mask(stderrText || error.message);
          // No `cause`: the underlying error repeats the command line with its secrets unmasked.
          reject(new CommandError(shown, exitCode, detail));
          return;
        }
        resolve({ stdout, stderr: stderrText });
      },
    );
  });
}
