// `npm run bench:promote [-- --images N --json FILE …]`: our `promote --confirm` against `skopeo sync --all`
// on the same workload (a staging registry, three fresh destination registries per tool and one destination
// repository on the staging host), then no-op reruns of each (median of --noop-runs); prints the table and PASS/FAIL per target of
// issue 4. Exit 1 when a target is missed or a tool fails.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRegistry, type HarnessRegistry } from "../test/harness";
import { PROMOTER_NODE_FLAGS, compilePromoteCli, type CompiledCli } from "./promote/compile-cli";
import { processCpuSeconds, stealSeconds } from "./promote/machine-cpu";
import { checkTargets, formatTable, type BenchResults, type PhaseResult } from "./promote/report";
import { timedRun, type TimedRun } from "./promote/timed-run";
import { markLogs, phaseTraffic } from "./promote/traffic";
import { findWrongTags } from "./promote/verify";
import { buildWorkload, writeOurManifests, writeSkopeoSyncFile, type WorkloadSpec } from "./promote/workload";
import { runMain } from "../lib/cli/run-main";

const { values: args } = parseArgs({
  options: {
    images: { type: "string", default: "60" },
    platforms: { type: "string", default: "linux/amd64,linux/arm64" },
    layers: { type: "string", default: "3" },
    "min-layer-kib": { type: "string", default: "256" },
    "max-layer-kib": { type: "string", default: "1024" },
    seed: { type: "string", default: "bench-promote" },
    concurrency: { type: "string", default: "32" },
    "max-rps": { type: "string", default: "1000" },
    "noop-runs": { type: "string", default: "3" },
    json: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  console.log(
    "npm run bench:promote -- [--images 60] [--platforms linux/amd64,linux/arm64] [--layers 3] [--min-layer-kib 256]\n" +
      "  [--max-layer-kib 1024] [--seed S] [--concurrency N] [--max-rps N] [--noop-runs 3] [--json FILE]\n" +
      "--concurrency (default 32) and --max-rps (default 1000) are passed to our promoter; skopeo has no rate limit.\n" +
      "The no-op rerun is timed --noop-runs times per tool, the tools taking turns; the median run is reported.",
  );
  process.exit(0);
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

const spec: WorkloadSpec = {
  images: positive("images", args.images),
  platforms: args.platforms.split(","),
  layersPerImage: positive("layers", args.layers),
  minLayerBytes: positive("min-layer-kib", args["min-layer-kib"]) * 1024,
  maxLayerBytes: positive("max-layer-kib", args["max-layer-kib"]) * 1024,
  seed: args.seed,
};

const noopRuns = positive("noop-runs", args["noop-runs"]);

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function mustSucceed(what: string, run: TimedRun): TimedRun {
  if (run.exitCode !== 0) throw new Error(`${what} exited ${run.exitCode}:\n${run.stderr.slice(-3000)}\n${run.stdout.slice(-3000)}`);
  return run;
}

/** Runs the commands of one phase one after another; wall times add up, peak RSS is the largest. */
async function measurePhase(
  watched: readonly HarnessRegistry[],
  commands: ReadonlyArray<() => Promise<TimedRun>>,
): Promise<PhaseResult> {
  const marks = await markLogs(watched);
  const registryCpu = (): number => watched.reduce((sum, registry) => sum + processCpuSeconds(registry.pid), 0);
  const registryCpuBefore = registryCpu();
  const stealBefore = stealSeconds();
  let wallSeconds = 0;
  let peakRssMb = 0;
  let cpuSeconds = 0;
  for (const command of commands) {
    const run = await command();
    wallSeconds += run.wallSeconds;
    cpuSeconds += run.cpuSeconds;
    peakRssMb = Math.max(peakRssMb, run.peakRssMb);
  }
  return {
    wallSeconds, peakRssMb, cpuSeconds,
    registryCpuSeconds: registryCpu() - registryCpuBefore,
    stealSeconds: stealSeconds() - stealBefore,
    traffic: await phaseTraffic(marks),
  };
}

/** The run with the median wall time (the upper middle one for an even count). */
function medianPhase(runs: readonly PhaseResult[]): PhaseResult {
  return [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds)[Math.floor(runs.length / 2)]!;
}

function seconds(phase: PhaseResult): string {
  return phase.wallSeconds.toFixed(2);
}

async function main(): Promise<number> {
  if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time (GNU time) is needed: apt-get install -y time");
  const root = await mkdtemp(join(tmpdir(), "bench-promote-"));
  const registries: HarnessRegistry[] = [];
  try {
    const started = await Promise.all(Array.from({ length: 7 }, () => startRegistry()));
    registries.push(...started);
    const [staging, ...destinationHosts] = started as [HarnessRegistry, ...HarnessRegistry[]];
    const oursHosts = destinationHosts.slice(0, 3);
    const skopeoHosts = destinationHosts.slice(3);
    const oursDestinations = [...oursHosts.map((r) => `${r.host}/prod`), `${staging.host}/prod-ours`];
    const skopeoDestinations = [...skopeoHosts.map((r) => `${r.host}/prod`), `${staging.host}/prod-skopeo`];

    log(`building ${spec.images} images (${spec.platforms.length} platforms × ${spec.layersPerImage} layers) and seeding ${staging.host} …`);
    const layoutDir = join(root, "layout");
    const workload = await buildWorkload(layoutDir, staging.host, spec, 4);
    // The layout is only needed for seeding; dropping it keeps the page cache for the registries.
    await rm(layoutDir, { recursive: true, force: true });
    const treeDir = join(root, "tree");
    await mkdir(treeDir);
    await writeOurManifests(treeDir, staging.host, oursDestinations, workload.images);
    const syncFile = join(root, "skopeo-sync.yaml");
    await writeSkopeoSyncFile(syncFile, staging.host, workload.images);
    const cli: CompiledCli = await compilePromoteCli(process.cwd(), root);

    // The CLI's defaults (8 images at once, 50 requests/s per host) are politeness toward shared production
    // registries; against private loopback registries they, not the promoter, would set the pace.
    const tuning = ["--concurrency", args.concurrency, "--max-rps", args["max-rps"]];
    const ourRun = (): Promise<TimedRun> =>
      timedRun(cli.node, [...PROMOTER_NODE_FLAGS, cli.entry, "--thin-manifest-dir", treeDir, "--confirm", "--quiet", ...tuning], cli.env).then((run) =>
        mustSucceed("promote --confirm", run),
      );
    const skopeoRuns = skopeoDestinations.map((destination) => (): Promise<TimedRun> =>
      timedRun("skopeo", [
        "--insecure-policy", "sync", "--all", "--preserve-digests", "--src", "yaml", "--dest", "docker",
        "--src-no-creds", "--dest-no-creds", "--dest-tls-verify=false", syncFile, destination,
      ]).then((run) => mustSucceed(`skopeo sync to ${destination}`, run)),
    );
    const oursWatched = [staging, ...oursHosts];
    const skopeoWatched = [staging, ...skopeoHosts];

    log("ours: promote --confirm …");
    const oursFull = await measurePhase(oursWatched, [ourRun]);
    log(`skopeo: sync --all to ${skopeoDestinations.length} destinations, one after another …`);
    const skopeoFull = await measurePhase(skopeoWatched, skopeoRuns);
    // Short runs are at the mercy of the machine's moment; taking turns and keeping the median evens that out.
    const oursNoops: PhaseResult[] = [];
    const skopeoNoops: PhaseResult[] = [];
    for (let run = 1; run <= noopRuns; run++) {
      log(`ours: no-op rerun ${run}/${noopRuns} …`);
      oursNoops.push(await measurePhase(oursWatched, [ourRun]));
      log(`skopeo: no-op rerun ${run}/${noopRuns} …`);
      skopeoNoops.push(await measurePhase(skopeoWatched, skopeoRuns));
    }
    const oursNoop = medianPhase(oursNoops);
    const skopeoNoop = medianPhase(skopeoNoops);
    log(`no-op wall times (s): ours ${oursNoops.map(seconds).join(", ")}; skopeo ${skopeoNoops.map(seconds).join(", ")}`);

    const results: BenchResults = {
      ours: { full: oursFull, noop: oursNoop },
      skopeo: { full: skopeoFull, noop: skopeoNoop },
      stagingHost: staging.host,
      cores: availableParallelism(),
      workloadBlobBytes: workload.blobBytes,
      wrongTags: {
        ours: await findWrongTags(oursDestinations, workload.images),
        skopeo: await findWrongTags(skopeoDestinations, workload.images),
      },
    };
    const checks = checkTargets(results);
    console.log(
      `Workload: ${spec.images} images × ${spec.platforms.length} platforms × ${spec.layersPerImage} layers ` +
        `(${spec.minLayerBytes / 1024}–${spec.maxLayerBytes / 1024} KiB), ${(workload.blobBytes / 1048576).toFixed(1)} MiB of ` +
        `distinct blobs; ${oursDestinations.length} destinations per tool (3 registries + 1 repository on the staging host).\n` +
        `Ours: lib/cli/promote.ts bundled with esbuild, run with Node ${process.versions.node} ${PROMOTER_NODE_FLAGS.join(" ")}` +
        ` (${tuning.join(" ")}); skopeo sync --all --preserve-digests, one run per destination.\n` +
        `No-op rerun: the median of ${noopRuns} runs per tool (every run's time is printed above the table).\n`,
    );
    console.log(formatTable(results));
    console.log("");
    for (const check of checks) console.log(`${check.pass ? "PASS" : "FAIL"}  ${check.target}: ${check.measured}`);
    for (const line of [...results.wrongTags.ours, ...results.wrongTags.skopeo].slice(0, 10)) console.log(`  wrong: ${line}`);
    if (args.json) {
      await writeFile(args.json, `${JSON.stringify({ spec, nodeVersion: process.versions.node, tuning, results, checks }, null, 2)}\n`);
    }
    return checks.every((check) => check.pass) ? 0 : 1;
  } finally {
    await Promise.all(registries.map((registry) => registry.dispose()));
    await rm(root, { recursive: true, force: true });
  }
}

runMain("bench:promote", main);
