/** Output of a command run in-process: the streams to hand it and what it wrote to each. */
export interface CapturedIo {
  /** Pass as the command's `io`. */
  readonly io: { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream };
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/**
 * Stand-ins for stdout and stderr that record what a command writes (not a terminal: no live progress line).
 *
 * @example
 * const captured = captureIo();
 * expect(await runCheckCommand([], captured.io)).toBe(0);
 * expect(captured.err()).toBe("");
 */
export function captureIo(): CapturedIo {
  let out = "";
  let err = "";
  const stream = (append: (text: string) => void) =>
    ({ write: (text: string | Uint8Array) => (append(typeof text === "string" ? text : Buffer.from(text).toString()), true) }) as unknown as NodeJS.WritableStream;
  return {
    io: { stdout: stream((text) => (out += text)), stderr: stream((text) => (err += text)) },
    out: () => out,
    err: () => err,
  };
}
