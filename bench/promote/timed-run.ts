/**
 * Runs a command as a child process under GNU time (`/usr/bin/time -v`) and reports its wall time, CPU time and
 * peak resident memory, so both tools are measured the same way, from outside.
 */
import { spawn } from "node:child_process";

/** The outcome of one timed command. */
export interface TimedRun {
  /** Wall time from spawn to exit, in seconds. */
  readonly wallSeconds: number;
  /** Peak resident set size in MiB ("Maximum resident set size"). */
  readonly peakRssMb: number;
  /** User plus system CPU time of the command and its children, in seconds. */
  readonly cpuSeconds: number;
  /** The command's exit code (GNU time passes it through). */
  readonly exitCode: number;
  /** The command's stdout. */
  readonly stdout: string;
  /** The command's stderr, without GNU time's report. */
  readonly stderr: string;
}

const TIME_BINARY = "/usr/bin/time";
const RSS_LINE = /^\s*Maximum resident set size \(kbytes\): (\d+)\s*$/m;
const USER_LINE = /^\s*User time \(seconds\): ([\d.]+)\s*$/m;
const SYSTEM_LINE = /^\s*System time \(seconds\): ([\d.]+)\s*$/m;
// GNU time's report starts here; everything before it is the command's own stderr.
const REPORT_START = /^\s*Command being timed: /m;

/**
 * Runs `command args…` under `/usr/bin/time -v` and waits for it.
 *
 * @param command the program
 * @param args its arguments
 * @param env extra environment variables
 * @returns wall time, peak RSS, exit code and output
 * @throws {Error} when GNU time's report is missing (time not installed, or the command could not start)
 * @example const run = await timedRun("skopeo", ["--version"]);
 */
export function timedRun(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME_BINARY, ["-v", command, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const errText = Buffer.concat(stderr).toString("utf8");
      const rss = RSS_LINE.exec(errText);
      const reportAt = errText.search(REPORT_START);
      if (!rss || reportAt < 0) {
        reject(new Error(`no GNU time report for ${command} (exit ${code}):\n${errText.slice(-2000)}`));
        return;
      }
      resolve({
        wallSeconds,
        peakRssMb: Number(rss[1]) / 1024,
        cpuSeconds: Number(USER_LINE.exec(errText)?.[1] ?? 0) + Number(SYSTEM_LINE.exec(errText)?.[1] ?? 0),
        exitCode: code ?? 1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: errText.slice(0, reportAt),
      });
    });
  });
}
