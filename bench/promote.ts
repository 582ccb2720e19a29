// `npm run bench:promote [-- --json FILE …]`: our promoter as a user runs it (`npm run promote -- … --confirm
// --quiet`, default settings) against `skopeo sync --all --preserve-digests`, on real docker-registry processes,
// for the targets of issue 11: A a no-op rerun (150 small images, 3 destinations; ≥ 10× faster, zero writes),
// B a full promotion (30 multi-arch images, 3 destinations; ≤ 0.5× skopeo's wall time), C workload B through
// fault proxies under the incident mix (exit 0, every tag right, ≤ 3× a fault-free baseline). Ours also runs
// tuned on A and B, reported apart. Prints a table per workload and PASS/FAIL per target; exit 1 when a target
// is missed or a run fails.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runMain } from "../lib/cli/run-main";
import { runFaultsWorkload } from "./promote/faults-workload";
import { runFullWorkload } from "./promote/full-workload";
import { runNoopWorkload } from "./promote/noop-workload";
import { assertBuilt, scriptPromote } from "./promote/promote-command";
import { formatReport, type WorkloadReport } from "./promote/report";
import { stageWorkload, type WorkloadSpec } from "./promote/workload";

const WORKLOADS = ["noop", "full", "faults"] as const;

const { values: args } = parseArgs({
  options: {
    "noop-images": { type: "string", default: "150" },
    "noop-runs": { type: "string", default: "3" },
    "noop-platforms": { type: "string", default: "linux/amd64,linux/arm64" },
    images: { type: "string", default: "30" },
    platforms: { type: "string", default: "linux/amd64,linux/arm64" },
    layers: { type: "string", default: "3" },
    "min-layer-kib": { type: "string", default: "256" },
    "max-layer-kib": { type: "string", default: "1024" },
    workloads: { type: "string", default: WORKLOADS.join(",") },
    "skip-tuned": { type: "boolean", default: false },
    "tuned-concurrency": { type: "string", default: "32" },
    "tuned-max-rps": { type: "string", default: "1000" },
    "faults-timeout-factor": { type: "string", default: "10" },
    seed: { type: "string", default: "bench-promote" },
    json: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

const HELP = `npm run bench:promote -- [options]

Our promoter exactly as a user runs it, from the repository root with default settings:
  npm run promote -- --thin-manifest-dir TREE --confirm --quiet
against skopeo sync --all --preserve-digests (one run per destination, one after another), on docker-registry
processes on 127.0.0.1. Workloads (each against its own fresh destination registries):
  A noop    --noop-images (150) small multi-arch images (--noop-platforms linux/amd64,linux/arm64: an OCI
            index each) of 2 layers (1-16 KiB) -> 3 registries; each tool's full promotion first (setup), then
            --noop-runs (3) no-op reruns, the tools taking turns; medians. Targets: ours >= 10x faster than
            skopeo; zero write requests by ours. --noop-platforms linux/amd64 makes plain single-platform
            manifests instead (skopeo then reads 4 requests per image and destination and writes nothing).
  B full    --images (30) images of --platforms (linux/amd64,linux/arm64) x --layers (3) layers of
            --min-layer-kib (256) to --max-layer-kib (1024) KiB -> 3 fresh registries. Target: ours <= 0.5x skopeo.
  C faults  workload B again, through a fault proxy in front of every registry (staging too): a baseline
            injecting nothing, then the incident mix (10% 429 with Retry-After: 1, 10% 503, 5% resets) for the
            whole run, ours only. Targets: exit 0, every tag right, wall time <= 3x the baseline. The faulted run
            is killed after --faults-timeout-factor (10) times the baseline (at least 60 s).
Tuned (not the headline): ours with --concurrency --tuned-concurrency (32) --max-rps --tuned-max-rps (1000)
on A's no-op reruns and on B to 3 more fresh registries; --skip-tuned leaves them out.

Options:
  --workloads noop,full,faults   which workloads to run (default all; faults reuses B's staging)
  --seed S                       seed of image contents and fault draws (default bench-promote)
  --json FILE                    also write every measurement, note and check as JSON
Needs docker-registry, skopeo, GNU time (/usr/bin/time) and a current build (npm run build).
About 5 minutes on 2 cores with the defaults. Exit 1 when a target is missed or a run fails.`;

if (args.help) {
  console.log(HELP);
  process.exit(0);
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function version(program: string, versionArgs: readonly string[]): string {
  const result = spawnSync(program, versionArgs, { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim().split("\n")[0]! : "unknown";
}

async function main(): Promise<number> {
  const selected = args.workloads.split(",").filter((name) => name !== "");
  const unknown = selected.filter((name) => !(WORKLOADS as readonly string[]).includes(name));
  if (unknown.length > 0 || selected.length === 0) throw new Error(`--workloads: expected some of ${WORKLOADS.join(",")}, got ${JSON.stringify(args.workloads)}`);
  const noopSpec: WorkloadSpec = {
    images: positive("noop-images", args["noop-images"]), platforms: args["noop-platforms"].split(","), layersPerImage: 2,
    minLayerBytes: 1024, maxLayerBytes: 16 * 1024, seed: `${args.seed}/noop`,
  };
  const fullSpec: WorkloadSpec = {
    images: positive("images", args.images),
    platforms: args.platforms.split(","),
    layersPerImage: positive("layers", args.layers),
    minLayerBytes: positive("min-layer-kib", args["min-layer-kib"]) * 1024,
    maxLayerBytes: positive("max-layer-kib", args["max-layer-kib"]) * 1024,
    seed: `${args.seed}/full`,
  };
  const noopRuns = positive("noop-runs", args["noop-runs"]);
  const timeoutFactor = positive("faults-timeout-factor", args["faults-timeout-factor"]);
  const tuning = args["skip-tuned"]
    ? undefined
    : ["--concurrency", String(positive("tuned-concurrency", args["tuned-concurrency"])), "--max-rps", String(positive("tuned-max-rps", args["tuned-max-rps"]))];
  if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time (GNU time) is needed: apt-get install -y time");
  assertBuilt();

  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const node = scriptPromote([]);
  const versions = { node: version(node.program, ["--version"]), npm: version("npm", ["--version"]), skopeo: version("skopeo", ["--version"]) };
  console.log(
    `bench:promote ${startedAt}: ${availableParallelism()} cores, load ${loadAtStart.map((load) => load.toFixed(2)).join(" ")}; ` +
      `promoter: npm ${versions.npm} → node ${versions.node} ${node.args.join(" ")}; ${versions.skopeo}\n`,
  );

  const root = await mkdtemp(join(tmpdir(), "bench-promote-"));
  const reports: WorkloadReport[] = [];
  const print = (report: WorkloadReport): void => {
    reports.push(report);
    console.log(`${formatReport(report)}\n`);
  };
  try {
    if (selected.includes("noop")) {
      log(`A: seeding ${noopSpec.images} images (${noopSpec.platforms.length === 1 ? "single-platform" : `${noopSpec.platforms.length} platforms`}) …`);
      const staged = await stageWorkload(join(root, "noop"), noopSpec);
      try {
        print(await runNoopWorkload({ staged, dir: join(root, "noop"), runs: noopRuns, ...(tuning ? { tuning } : {}), log }));
      } finally {
        await staged.staging.dispose();
      }
    }
    if (selected.includes("full") || selected.includes("faults")) {
      log(`B: seeding ${fullSpec.images} images (${fullSpec.platforms.length} platforms × ${fullSpec.layersPerImage} layers) …`);
      const staged = await stageWorkload(join(root, "full"), fullSpec);
      try {
        if (selected.includes("full")) print(await runFullWorkload({ staged, dir: join(root, "full"), ...(tuning ? { tuning } : {}), log }));
        if (selected.includes("faults")) {
          print(await runFaultsWorkload({ staged, dir: join(root, "faults"), seed: `${args.seed}/faults`, timeoutFactor, log }));
        }
      } finally {
        await staged.staging.dispose();
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  const checks = reports.flatMap((report) => report.checks);
  const ok = checks.every((check) => check.pass);
  const loadAtEnd = loadavg();
  console.log(`## Verdict: ${checks.filter((check) => check.pass).length} of ${checks.length} checks pass; load at the end ${loadAtEnd.map((load) => load.toFixed(2)).join(" ")}`);
  for (const check of checks) console.log(`${check.pass ? "PASS" : "FAIL"}  ${check.target}: ${check.measured}`);
  if (args.json) {
    const machine = { cores: availableParallelism(), loadAtStart, loadAtEnd };
    const options = { noopSpec, fullSpec, noopRuns, tuning, timeoutFactor, workloads: selected };
    await writeFile(args.json, `${JSON.stringify({ startedAt, machine, versions, options, workloads: reports, checks, ok }, null, 2)}\n`);
  }
  return ok ? 0 : 1;
}

runMain("bench:promote", main);
