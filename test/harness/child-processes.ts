import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Long-running helper processes (registries) started by this test process. Kept so that none outlives it:
 *
 * - every child is started under `setpriv --pdeathsig SIGKILL`, so the kernel kills it even when this process
 *   dies without running any handler (SIGKILL, an OOM kill, a crashed jest worker);
 * - on a normal exit, and on SIGINT/SIGTERM/SIGHUP, the children still alive are SIGKILLed synchronously
 *   before this process goes.
 */
const liveChildren = new Set<ChildProcess>();
let cleanupInstalled = false;

function killLiveChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone: nothing left to clean up.
    }
  }
  liveChildren.clear();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on("exit", killLiveChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      killLiveChildren();
      // Re-raise with the default disposition, so the process still dies of the signal as it would have.
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Starts a long-running helper that is killed when this process ends, however it ends.
 *
 * @param program the executable
 * @param args its arguments
 * @param stdio where its standard streams go (e.g. `["ignore", logFd, logFd]`)
 * @returns the child; its `pid` is the helper's own (setpriv execs it in place)
 * A program that cannot start is reported through the child's `error` event, not thrown.
 */
export function spawnTracked(program: string, args: readonly string[], stdio: StdioOptions): ChildProcess {
  installCleanup();
  const child = spawn("setpriv", ["--pdeathsig", "SIGKILL", "--", program, ...args], { stdio });
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  child.once("error", () => liveChildren.delete(child));
  return child;
}

/** How many tracked helpers are still running (for tests of the cleanup itself). */
export function liveChildCount(): number {
  return liveChildren.size;
}

/**
 * Whether a process with this id is running. A zombie (dead, not yet reaped: a registry whose parent was killed,
 * waiting for init) counts as not running.
 *
 * @param pid the process id
 * @returns `false` once the process has ended
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // Field 3 of /proc/PID/stat is the state; the command name before it may hold spaces, hence the ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
