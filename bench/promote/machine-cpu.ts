/**
 * CPU time spent outside the timed command, read from Linux's /proc: by the registry processes (which share the
 * machine's cores with the tool being measured) and stolen by the hypervisor (time a virtual CPU wanted to run
 * and could not). Both bound what a wall-time ratio can show on a small virtual machine.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  return ticksPerSecond;
}

/**
 * User plus system CPU time a process has used so far.
 *
 * @param pid the process
 * @returns seconds, or 0 when the process is gone
 */
export function processCpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name: state is the 1st, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return 0;
  }
}

/**
 * CPU time the hypervisor has stolen from this machine's virtual CPUs since boot, summed over all of them.
 *
 * @returns seconds, or 0 where /proc/stat has no steal column
 */
export function stealSeconds(): number {
  try {
    const total = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
    // cpu user nice system idle iowait irq softirq steal …
    return Number(total[8] ?? 0) / clockTicks();
  } catch {
    return 0;
  }
}
