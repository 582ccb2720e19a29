import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { timedRun } from "../../bench/promote/timed-run";

// The benchmarks need GNU time; where it is missing they refuse to start, and these tests have nothing to test.
const withGnuTime = existsSync("/usr/bin/time") ? test : test.skip;

withGnuTime("a command's exit code, output and working directory come through, with its CPU time and peak RSS", async () => {
  const run = await timedRun("sh", ["-c", "pwd; echo oops >&2; exit 3"], { cwd: tmpdir() });

  expect(run).toMatchObject({ exitCode: 3, timedOut: false, stdout: `${tmpdir()}\n`, stderr: "oops\n" });
  expect(run.peakRssMb).toBeGreaterThan(0);
  expect(run.wallSeconds).toBeLessThan(5);
});

withGnuTime("a command past its timeout is ended with the processes it started, and reported as timed out", async () => {
  // The grandchild would keep the pipes open for 30 s if only the direct child were killed.
  const run = await timedRun("sh", ["-c", "sleep 30 & sleep 30; wait"], { timeoutSeconds: 0.5 });

  expect(run).toMatchObject({ timedOut: true, peakRssMb: 0, cpuSeconds: 0 });
  expect(run.exitCode).not.toBe(0);
  expect(run.wallSeconds).toBeLessThan(5);
});
