/**
 * One measured phase of the promotion benchmark: a tool's commands run one after another under GNU time, with
 * what the registries saw (access logs), the CPU they and the hypervisor took (/proc), and how busy the machine was.
 */
import { loadavg } from "node:os";
import type { HarnessRegistry } from "../../test/harness";
import { processCpuSeconds, stealSeconds } from "./machine-cpu";
import type { Command } from "./promote-command";
import { timedRun, type TimedRunOptions } from "./timed-run";
import { markLogs, phaseTraffic, type PhaseTraffic } from "./traffic";

/** One tool's measurement of one phase. */
export interface PhaseResult {
  /** Summed wall time of the phase's commands, in seconds. */
  readonly wallSeconds: number;
  /** The largest peak RSS of the phase's commands (each command with its children), in MiB. */
  readonly peakRssMb: number;
  /** CPU time of the phase's commands and their children (user + system), in seconds. */
  readonly cpuSeconds: number;
  /** CPU time the watched registries used during the phase, in seconds. */
  readonly registryCpuSeconds: number;
  /** CPU time of this process during the phase (it runs the fault proxies), in seconds. */
  readonly benchCpuSeconds: number;
  /** CPU time the hypervisor stole from the machine during the phase, in seconds (0 where not reported). */
  readonly stealSeconds: number;
  /** The 1-minute load average when the phase ended. */
  readonly loadAverage: number;
  /** What the watched registries logged. */
  readonly traffic: PhaseTraffic;
  /** One line per command that exited non-zero or timed out, with the tail of its output; empty when all succeeded. */
  readonly failures: readonly string[];
  /** The last line each command printed on stdout (our promoter's summary), in order. */
  readonly summaries: readonly string[];
}

/**
 * Runs `commands` one after another and measures them together: wall and CPU times add up, peak RSS is the largest.
 * A command that fails is recorded in {@link PhaseResult.failures}, not thrown, and the next one still runs.
 *
 * @param watched the registries whose logs and CPU count for this phase
 * @param commands what to run
 * @param options a timeout per command
 * @returns the measurement
 * @throws {Error} when GNU time is missing or a command cannot start, or a log cannot be read
 */
export async function measurePhase(
  watched: readonly HarnessRegistry[],
  commands: readonly Command[],
  options: Pick<TimedRunOptions, "timeoutSeconds"> = {},
): Promise<PhaseResult> {
  const marks = await markLogs(watched);
  const registryCpu = (): number => watched.reduce((sum, registry) => sum + processCpuSeconds(registry.pid), 0);
  const registryCpuBefore = registryCpu();
  const stealBefore = stealSeconds();
  const benchCpuBefore = process.cpuUsage();
  let wallSeconds = 0;
  let peakRssMb = 0;
  let cpuSeconds = 0;
  const failures: string[] = [];
  const summaries: string[] = [];
  for (const command of commands) {
    const run = await timedRun(command.program, command.args, { cwd: command.cwd, ...options });
    wallSeconds += run.wallSeconds;
    cpuSeconds += run.cpuSeconds;
    peakRssMb = Math.max(peakRssMb, run.peakRssMb);
    summaries.push(run.stdout.trim().split("\n").at(-1) ?? "");
    if (run.exitCode !== 0 || run.timedOut) {
      const outcome = run.timedOut ? `killed after ${run.wallSeconds.toFixed(0)} s (timeout)` : `exit ${run.exitCode}`;
      failures.push(`${command.program} ${command.args.join(" ")}: ${outcome}\n${tail(run.stderr)}\n${tail(run.stdout)}`.trim());
    }
  }
  const benchCpu = process.cpuUsage(benchCpuBefore);
  return {
    wallSeconds, peakRssMb, cpuSeconds,
    registryCpuSeconds: registryCpu() - registryCpuBefore,
    benchCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
    stealSeconds: stealSeconds() - stealBefore,
    loadAverage: loadavg()[0]!,
    traffic: await phaseTraffic(marks),
    failures, summaries,
  };
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-8).join("\n");
}

/**
 * The run with the median wall time (the upper middle one for an even count).
 *
 * @param runs at least one run
 * @returns one of them
 */
export function medianPhase(runs: readonly PhaseResult[]): PhaseResult {
  return [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds)[Math.floor(runs.length / 2)]!;
}
