// `npm run bench:plan-scale [-- --seed N] [-- --in-memory]`: measures the pure planning step (buildEdges, every
// readsNeeded round answered from a synthetic inventory, decidePlan) on a registry.k8s.io-sized universe.
// One child process per registry flavour (Artifact Registry's digest → tags extension, and a generic
// registry that needs a HEAD per tag), so each peak memory figure (the kernel's maxRSS) is its own.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadThinManifests } from "../lib/promote/manifests/load-manifests";
import type { Manifest } from "../lib/promote/manifests/types";
import { decidePlan } from "../lib/promote/plan/decide-plan";
import { buildEdges } from "../lib/promote/plan/edges";
import { emptyObservations } from "../lib/promote/plan/observations";
import { readsNeeded } from "../lib/promote/plan/plan-reads";
import { generateUniverse } from "./universe/generate-universe";
import { answerRead } from "./universe/inventory";
import { toManifests } from "./universe/to-manifests";
import { writeThinTree } from "./universe/write-thin-tree";

const TARGET_SECONDS = 10;
const TARGET_MIB = 1024;

interface Measurement {
  flavour: string;
  stats: ReturnType<typeof generateUniverse>["stats"];
  loadSeconds?: number;
  imagesYamlBytes?: number;
  buildEdgesSeconds: number;
  rounds: { reads: number; plannerSeconds: number; answerSeconds: number }[];
  decideSeconds: number;
  planSeconds: number;
  actions: Record<string, number>;
  rssBeforePlanMiB: number;
  peakRssMiB: number;
}

const mib = (bytes: number): number => Math.round(bytes / 1048576);
const seconds = (since: number): number => (performance.now() - since) / 1000;

function measure(flavour: "extension" | "generic", seed: number, fromDisk: boolean): Measurement {
  const universe = generateUniverse({ seed });
  let manifests: Manifest[];
  let loadSeconds: number | undefined;
  let imagesYamlBytes: number | undefined;
  if (fromDisk) {
    const dir = mkdtempSync(join(tmpdir(), "plan-scale-"));
    try {
      imagesYamlBytes = writeThinTree(dir, universe.projects);
      const start = performance.now();
      manifests = loadThinManifests(dir);
      loadSeconds = seconds(start);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else manifests = toManifests(universe.projects);
  const rssBeforePlanMiB = mib(process.memoryUsage().rss);

  const planStart = performance.now();
  const edges = buildEdges(manifests);
  const buildEdgesSeconds = seconds(planStart);
  const observations = emptyObservations();
  const rounds: Measurement["rounds"] = [];
  let answering = 0;
  for (;;) {
    const start = performance.now();
    const reads = readsNeeded(edges, observations);
    const plannerSeconds = seconds(start);
    if (reads.length === 0) {
      rounds.push({ reads: 0, plannerSeconds, answerSeconds: 0 });
      break;
    }
    const answerStart = performance.now();
    for (const read of reads) answerRead(observations, universe.inventory, read, flavour === "extension");
    const answerSeconds = seconds(answerStart);
    answering += answerSeconds;
    rounds.push({ reads: reads.length, plannerSeconds, answerSeconds });
  }
  const decideStart = performance.now();
  const plan = decidePlan(edges, observations);
  const decideSeconds = seconds(decideStart);
  const planSeconds = seconds(planStart) - answering;
  const actions: Record<string, number> = {};
  for (const decision of plan.decisions) actions[decision.action] = (actions[decision.action] ?? 0) + 1;
  return {
    flavour,
    stats: universe.stats,
    ...(loadSeconds !== undefined ? { loadSeconds, imagesYamlBytes } : {}),
    buildEdgesSeconds,
    rounds,
    decideSeconds,
    planSeconds,
    actions,
    rssBeforePlanMiB,
    // maxRSS is in KiB: the process's true peak, including generation and loading.
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function report(m: Measurement): boolean {
  const ok = m.planSeconds < TARGET_SECONDS && m.peakRssMiB < TARGET_MIB;
  const lines = [
    `— ${m.flavour} registries —`,
    ...(m.loadSeconds !== undefined
      ? [`load + validate thin tree (${(m.imagesYamlBytes! / 1e6).toFixed(1)} MB of images.yaml): ${m.loadSeconds.toFixed(2)} s`]
      : []),
    `buildEdges: ${m.buildEdgesSeconds.toFixed(2)} s`,
    ...m.rounds.map(
      (round, i) =>
        `round ${i + 1}: readsNeeded ${round.plannerSeconds.toFixed(2)} s → ${round.reads} reads` +
        (round.reads > 0 ? ` (answered from the inventory in ${round.answerSeconds.toFixed(2)} s, not counted)` : " (done)"),
    ),
    `decidePlan: ${m.decideSeconds.toFixed(2)} s → ${Object.entries(m.actions).map(([action, count]) => `${action} ${count}`).join(", ")}`,
    `planning total: ${m.planSeconds.toFixed(2)} s (target < ${TARGET_SECONDS} s); RSS before planning ${m.rssBeforePlanMiB} MiB, peak ${m.peakRssMiB} MiB (target < ${TARGET_MIB} MiB) → ${ok ? "OK" : "MISSED"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return ok;
}

function main(argv: string[]): number {
  const seedAt = argv.indexOf("--seed");
  const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : 1;
  const fromDisk = !argv.includes("--in-memory");
  const childAt = argv.indexOf("--child");
  if (childAt >= 0) {
    process.stdout.write(`${JSON.stringify(measure(argv[childAt + 1] as "extension" | "generic", seed, fromDisk))}\n`);
    return 0;
  }
  let allOk = true;
  for (const flavour of ["extension", "generic"]) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, ...argv, "--child", flavour], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) {
      process.stderr.write(child.stderr);
      return 1;
    }
    const measurement = JSON.parse(child.stdout.trim().split("\n").pop()!) as Measurement;
    if (flavour === "extension") {
      const s = measurement.stats;
      process.stdout.write(
        `universe (seed ${seed}): ${s.projects} projects, ${s.images} images, ${s.digests} digests, ` +
          `${s.destinationDigests} (destination repository, digest) pairs, ${s.edges} (digest, destination, tag) edges; ` +
          `inventory: ${s.promoted} promoted, ${s.missing} missing, ${s.missingTags} missing a tag, ${s.tagsElsewhere} with a tag elsewhere, ` +
          `${s.lostFromSource} digests lost from staging, ${s.signedDigests} signed\n`,
      );
    }
    allOk = report(measurement) && allOk;
  }
  return allOk ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
