import { spawn } from "node:child_process";
import { join } from "node:path";

const TSX = join(__dirname, "../../node_modules/.bin/tsx");

/** Runs a CLI whose stdout reader closes before the first byte, as `command | head -c 0` does. */
function runWithClosedStdout(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

test.each([
  ["check", "lib/cli/check.ts"],
  ["promote", "lib/cli/promote.ts"],
])("%s --help into a reader that has gone away exits 0 without a stack trace", async (_, script) => {
  const result = await runWithClosedStdout(script, ["--help"]);
  expect(result).toEqual({ code: 0, stderr: "" });
});
