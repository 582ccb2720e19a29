/**
 * Workload A, the no-op rerun: images already in every destination, promoted again. Each tool first does the full
 * promotion to its own three destination registries (not the point), then reruns it --noop-runs times, the tools
 * taking turns; the medians are compared. Target: ours ≥ 10× faster than skopeo sync, with zero writes.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { HarnessRegistry } from "../../test/harness";
import { measurePhase, medianPhase, type PhaseResult } from "./measure";
import { npmPromote, npmRunPromote, scriptPromote, type Command } from "./promote-command";
import { disposeAll, startRegistries } from "./registries";
import { ratio, runsSucceeded, tagsRight, type TableRow, type WorkloadReport } from "./report";
import { timedRun } from "./timed-run";
import { formatKindsPerImage } from "./traffic";
import { findWrongTags } from "./verify";
import { describeImages, skopeoSync, writeOurManifests, type StagedWorkload } from "./workload";

/** How to run workload A. */
export interface NoopWorkloadOptions {
  /** The seeded images. */
  readonly staged: StagedWorkload;
  /** A scratch directory for the tree. */
  readonly dir: string;
  /** How many no-op reruns per tool; the median is reported. */
  readonly runs: number;
  /** Flags of the tuned runs (e.g. `--concurrency 32 --max-rps 1000`); no tuned runs when absent. */
  readonly tuning?: readonly string[];
  /** Progress lines. */
  readonly log: (line: string) => void;
}

const DESTINATIONS = 3;

/**
 * Runs workload A against fresh destination registries (started here and disposed of before returning).
 *
 * @param options the staged images, scratch directory, run count and tuning
 * @returns the workload's table, notes and checks
 * @throws {Error} when a registry does not start, GNU time is missing, or a log cannot be read
 */
export async function runNoopWorkload(options: NoopWorkloadOptions): Promise<WorkloadReport> {
  const { staged, log } = options;
  const registries = await startRegistries(2 * DESTINATIONS);
  try {
    const oursHosts = registries.slice(0, DESTINATIONS);
    const skopeoHosts = registries.slice(DESTINATIONS);
    const oursDestinations = oursHosts.map((registry) => `${registry.host}/prod`);
    const skopeoDestinations = skopeoHosts.map((registry) => `${registry.host}/prod`);
    const tree = await writeOurManifests(join(options.dir, "tree"), staged.staging.host, oursDestinations, staged.images);
    const ours = npmPromote(tree);
    const tuned = options.tuning && npmPromote(tree, options.tuning);
    const skopeo = skopeoDestinations.map((destination) => skopeoSync(staged.syncFile, destination));
    const oursWatched: HarnessRegistry[] = [staged.staging, ...oursHosts];
    const skopeoWatched: HarnessRegistry[] = [staged.staging, ...skopeoHosts];

    log("A: ours, full promotion (setup) …");
    const oursFull = await measurePhase(oursWatched, [ours]);
    log(`A: skopeo, full sync to ${DESTINATIONS} destinations, one after another (setup) …`);
    const skopeoFull = await measurePhase(skopeoWatched, skopeo);
    // Short runs are at the mercy of the machine's moment; taking turns and keeping the median evens that out.
    const oursNoops: PhaseResult[] = [];
    const skopeoNoops: PhaseResult[] = [];
    const tunedNoops: PhaseResult[] = [];
    for (let run = 1; run <= options.runs; run++) {
      log(`A: no-op rerun ${run}/${options.runs}: ours …`);
      oursNoops.push(await measurePhase(oursWatched, [ours]));
      log(`A: no-op rerun ${run}/${options.runs}: skopeo …`);
      skopeoNoops.push(await measurePhase(skopeoWatched, skopeo));
      if (tuned) {
        log(`A: no-op rerun ${run}/${options.runs}: ours tuned …`);
        tunedNoops.push(await measurePhase(oursWatched, [tuned]));
      }
    }
    log("A: start-up of the promoter (--help) …");
    const startup = { npm: await medianWall(npmRunPromote(["--help"])), node: await medianWall(scriptPromote(["--help"])) };
    const wrong = {
      ours: await findWrongTags(oursDestinations, staged.images),
      skopeo: await findWrongTags(skopeoDestinations, staged.images),
    };

    const oursNoop = medianPhase(oursNoops);
    const skopeoNoop = medianPhase(skopeoNoops);
    const tunedNoop = tunedNoops.length > 0 ? medianPhase(tunedNoops) : undefined;
    const median = `median of ${options.runs}`;
    const rows: TableRow[] = [
      { label: "ours, full promotion (setup)", phase: oursFull },
      { label: `skopeo, full sync × ${DESTINATIONS} (setup)`, phase: skopeoFull },
      { label: `ours, no-op rerun (${median})`, phase: oursNoop },
      { label: `skopeo, no-op sync × ${DESTINATIONS} (${median})`, phase: skopeoNoop },
      ...(tunedNoop ? [{ label: `ours tuned (${options.tuning!.join(" ")}), no-op rerun (${median})`, phase: tunedNoop }] : []),
    ];
    const speedup = skopeoNoop.wallSeconds / oursNoop.wallSeconds;
    const perImage = (phase: PhaseResult, hosts: readonly HarnessRegistry[]): string =>
      formatKindsPerImage(phase.traffic, hosts.map((registry) => registry.host), staged.images.length);
    const cores = availableParallelism();
    const floor = (oursNoop.cpuSeconds + oursNoop.registryCpuSeconds + oursNoop.stealSeconds) / cores;
    const everyRun = (runs: readonly PhaseResult[]): string => runs.map((run) => run.wallSeconds.toFixed(2)).join(", ");
    const oursWrites = oursNoops.reduce((sum, run) => sum + run.traffic.writeRequests, 0);
    const notes = [
      `no-op: ours ${speedup.toFixed(1)}× faster than skopeo (${oursNoop.wallSeconds.toFixed(2)} s vs ${skopeoNoop.wallSeconds.toFixed(2)} s; ` +
        `ours/skopeo ${ratio(oursNoop.wallSeconds, skopeoNoop.wallSeconds)})` +
        (tunedNoop ? `; tuned ${(skopeoNoop.wallSeconds / tunedNoop.wallSeconds).toFixed(1)}× (${tunedNoop.wallSeconds.toFixed(2)} s)` : ""),
      `every no-op run (s): ours ${everyRun(oursNoops)}; skopeo ${everyRun(skopeoNoops)}` + (tunedNoop ? `; ours tuned ${everyRun(tunedNoops)}` : ""),
      `ours' no-op requests per image: to staging ${perImage(oursNoop, [staged.staging])}; to each destination ${perImage(oursNoop, oursHosts)}`,
      `skopeo's no-op requests per image: to staging ${perImage(skopeoNoop, [staged.staging])}; to each destination ${perImage(skopeoNoop, skopeoHosts)}`,
      `CPU floor of ours' no-op on ${cores} cores: (${oursNoop.cpuSeconds.toFixed(2)} s npm + promoter + ` +
        `${oursNoop.registryCpuSeconds.toFixed(2)} s registries + ${oursNoop.stealSeconds.toFixed(2)} s stolen) / ${cores} = ${floor.toFixed(2)} s`,
      `start-up (--help, median of 3): npm run promote ${startup.npm.wallSeconds.toFixed(2)} s (CPU ${startup.npm.cpuSeconds.toFixed(2)} s); ` +
        `node ${scriptPromote([]).args.join(" ")} alone ${startup.node.wallSeconds.toFixed(2)} s (CPU ${startup.node.cpuSeconds.toFixed(2)} s)`,
    ];
    return {
      title: "A. No-op rerun (default settings)",
      description: [
        `${staged.images.length} images × ${describeImages(staged)} → ${DESTINATIONS} destination registries per tool.`,
        `Ours: \`npm run promote -- --thin-manifest-dir TREE --confirm --quiet\`; skopeo: \`skopeo sync --all --preserve-digests\`, one run per destination, one after another.`,
      ],
      rows,
      notes,
      checks: [
        {
          target: "A: no-op rerun ≥ 10× faster than skopeo sync (default settings)",
          measured: `${speedup.toFixed(1)}× (${oursNoop.wallSeconds.toFixed(2)} s vs ${skopeoNoop.wallSeconds.toFixed(2)} s)`,
          pass: speedup >= 10,
        },
        {
          target: "A: no-op reruns make zero write requests (ours, default settings)",
          measured: `${oursWrites} write requests in ${oursNoops.length} reruns`,
          pass: oursWrites === 0,
        },
        tagsRight("A", wrong),
        runsSucceeded("A", [
          rows[0]!, rows[1]!,
          ...oursNoops.map((phase, i) => ({ label: `ours no-op ${i + 1}`, phase })),
          ...skopeoNoops.map((phase, i) => ({ label: `skopeo no-op ${i + 1}`, phase })),
          ...tunedNoops.map((phase, i) => ({ label: `ours tuned no-op ${i + 1}`, phase })),
        ]),
      ],
      data: { oursNoops, skopeoNoops, tunedNoops, startup, wrongTags: wrong, cores },
    };
  } finally {
    await disposeAll(registries);
  }
}

/** The median wall time (and that run's CPU) of three runs of a short command. */
async function medianWall(command: Command): Promise<{ wallSeconds: number; cpuSeconds: number }> {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await timedRun(command.program, command.args, { cwd: command.cwd }));
  const sorted = runs.sort((a, b) => a.wallSeconds - b.wallSeconds);
  return { wallSeconds: sorted[1]!.wallSeconds, cpuSeconds: sorted[1]!.cpuSeconds };
}
