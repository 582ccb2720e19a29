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
  /** Whether it was killed for running past {@link TimedRunOptions.timeoutSeconds} (then CPU and RSS read 0). */
  readonly timedOut: boolean;
  /** The command's stdout. */
  readonly stdout: string;
  /** The command's stderr, without GNU time's report. */
  readonly stderr: string;
}

const TIME_BINARY = "/usr/bin/time";
const RSS_LINE = /^\s*Maximum resident set size \(kbytes\): (\d+)\s*$/m;
const USER_LINE = /^\s*User time \(seconds\): ([\d.]+)\s*$/m;
const SYSTEM_LINE = /^\s*System time \(seconds\): ([\d.]+)\s*$/m;
// GNU time's report starts here (with a line on a non-zero exit or a signal first); everything before it is the
// command's own stderr.
const REPORT_START = /^(?:Command (?:exited with non-zero status|terminated by signal) \d+\n)?\s*Command being timed: /m;

/** Options of {@link timedRun}. */
export interface TimedRunOptions {
  /** Working directory (default: this process's). */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Give up after this many seconds: the command and everything it started get SIGTERM (then SIGKILL 5 s later)
   * and the run is reported with {@link TimedRun.timedOut} set. No limit when absent.
   */
  readonly timeoutSeconds?: number;
}

// Process groups of timed commands still running, killed if this process exits first.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs `command args…` under `/usr/bin/time -v` and waits for it. With a timeout the command runs in its own
 * process group, so the timeout ends it with its children (`npm` → `sh` → `node`); without one it stays in ours
 * and a Ctrl-C reaches it.
 *
 * @param command the program
 * @param args its arguments
 * @param options working directory, environment and timeout
 * @returns wall time, peak RSS, CPU time, exit code and output
 * @throws {Error} when GNU time's report is missing (time not installed, or the command could not start)
 * @example const run = await timedRun("skopeo", ["--version"]);
 */
export function timedRun(command: string, args: readonly string[], options: TimedRunOptions = {}): Promise<TimedRun> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => liveGroups.forEach((pid) => killGroup(pid, "SIGKILL")));
  }
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME_BINARY, ["-v", command, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: options.timeoutSeconds !== undefined,
    });
    const pid = options.timeoutSeconds === undefined ? undefined : child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = options.timeoutSeconds === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      if (pid === undefined) return;
      // GNU time dies with its group, so a timed-out run has no CPU or RSS figures.
      killGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), 5000);
    }, options.timeoutSeconds * 1000);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (pid !== undefined) liveGroups.delete(pid);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const errText = Buffer.concat(stderr).toString("utf8");
      const rss = RSS_LINE.exec(errText);
      const reportAt = errText.search(REPORT_START);
      if (!rss || reportAt < 0) {
        if (timedOut) {
          resolve({ wallSeconds, peakRssMb: 0, cpuSeconds: 0, exitCode: code ?? 1, timedOut, stdout: Buffer.concat(stdout).toString("utf8"), stderr: errText });
          return;
        }
        reject(new Error(`no GNU time report for ${command} (exit ${code}):\n${errText.slice(-2000)}`));
        return;
      }
      resolve({
        wallSeconds,
        peakRssMb: Number(rss[1]) / 1024,
        cpuSeconds: Number(USER_LINE.exec(errText)?.[1] ?? 0) + Number(SYSTEM_LINE.exec(errText)?.[1] ?? 0),
        exitCode: code ?? 1,
        timedOut,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: errText.slice(0, reportAt),
      });
    });
  });
}
