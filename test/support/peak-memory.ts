import { readFileSync, writeFileSync } from "node:fs";

/** What {@link peakRssDuring} measured, in MiB. */
export interface PeakMemory<T> {
  readonly result: T;
  /** Resident memory when the run started. */
  readonly beforeMiB: number;
  /** The highest resident memory while it ran. */
  readonly peakMiB: number;
}

/**
 * Runs `run` and measures this process's peak resident memory meanwhile: Linux's high-water mark (`VmHWM`) is
 * reset first (`/proc/self/clear_refs`), so the peak is this run's, not the process's whole life.
 *
 * @param run the work to measure
 * @returns its result, and the memory before and at the peak
 * @throws what `run` throws
 * @example const { peakMiB, beforeMiB } = await peakRssDuring(() => client.getManifest(repo, "v1"));
 */
export async function peakRssDuring<T>(run: () => Promise<T>): Promise<PeakMemory<T>> {
  writeFileSync("/proc/self/clear_refs", "5");
  const beforeMiB = statusKiB("VmRSS") / 1024;
  const result = await run();
  return { result, beforeMiB, peakMiB: statusKiB("VmHWM") / 1024 };
}

function statusKiB(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  if (match === null) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}
