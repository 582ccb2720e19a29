// `npm run bench:large-layer [-- --gib 1]`: one image with a single 1 GiB layer (written to disk as a stream),
// seeded into a staging registry with skopeo, promoted to a second registry process by the compiled promoter as a
// child process; reports the promoter's wall time and peak RSS (target < 150 MB), and the peak of a no-op rerun (the
// promoter's footprint without the layer), and checks the digest with skopeo.
// Exit 1 when the target is missed or the digest differs.
// The promoter runs as package.json's `promote` script runs it (`node --max-semi-space-size=1 dist/promote.cjs`,
// the flags read from the script), without npm around it so the peak RSS is the promoter's own; `--plain-node`
// measures it without the Node flags.
import { statfsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { digestOf, seedLayout, startRegistry, writeImage, type HarnessRegistry } from "../test/harness";
import { writePromotionTree } from "../test/harness/promotion-tree";
import { assertBuilt, readPromoteScript, scriptPromote } from "./promote/promote-command";
import { timedRun, type TimedRun } from "./promote/timed-run";
import { runMain } from "../lib/cli/run-main";

const RSS_TARGET_MB = 150;
const { values: args } = parseArgs({ options: { gib: { type: "string", default: "1" }, "plain-node": { type: "boolean", default: false } } });
const nodeFlags = args["plain-node"] ? [] : readPromoteScript().nodeFlags;
const layerBytes = Math.round(Number(args.gib) * 1024 ** 3);
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  if (!(layerBytes > 0)) throw new Error(`--gib must be a positive number, got ${JSON.stringify(args.gib)}`);
  assertBuilt();
  const root = await mkdtemp(join(tmpdir(), "bench-large-layer-"));
  // The layer sits on disk three times at once: the layout, the staging storage and the destination storage.
  const { bavail, bsize } = statfsSync(root);
  if (bavail * bsize < 3.5 * layerBytes) throw new Error(`${root}: needs ${(3.5 * layerBytes / 1024 ** 3).toFixed(1)} GiB free`);
  const registries: HarnessRegistry[] = [];
  try {
    const [staging, production] = await Promise.all([startRegistry(), startRegistry()]);
    registries.push(staging, production);
    log(`writing a ${args.gib} GiB layer …`);
    // Uncompressed, so building the fixture is not an hour of gzip; the promoter streams bytes either way.
    const layoutDir = join(root, "layout");
    const image = await writeImage(layoutDir, "big", { seed: "large-layer", layers: [{ size: layerBytes, compression: "none" }] });
    log(`seeding ${staging.host}/staging/big:v1 with skopeo …`);
    await seedLayout(layoutDir, "big", `${staging.host}/staging/big:v1`);
    await rm(layoutDir, { recursive: true, force: true });

    const treeDir = join(root, "tree");
    await mkdir(treeDir);
    await writePromotionTree(
      [{ name: "k8s-staging-big", source: `${staging.host}/staging`, destinations: [`${production.host}/prod`], images: [{ name: "big", dmap: { [image.digest]: ["v1"] } }] }],
      treeDir,
    );
    log(`promoting to ${production.host}/prod/big:v1 …`);
    const promote = async (): Promise<TimedRun> => {
      const command = scriptPromote(["--thin-manifest-dir", treeDir, "--confirm", "--quiet"], nodeFlags);
      const run = await timedRun(command.program, command.args, { cwd: command.cwd });
      if (run.exitCode !== 0) throw new Error(`promote exited ${run.exitCode}:\n${run.stderr}\n${run.stdout}`);
      return run;
    };
    const run = await promote();
    // The same command again has nothing to copy: its peak is the promoter's own footprint, without the layer.
    log("rerunning (no-op) for the baseline …");
    const baseline = await promote();
    const promoted = await digestOf(`${production.host}/prod/big:v1`);
    const digestOk = promoted === image.digest;
    const rssOk = run.peakRssMb * 1.048576 < RSS_TARGET_MB;
    const mbPerSecond = layerBytes / 1e6 / run.wallSeconds;
    console.log(`| layer | node flags | promote wall time (s) | throughput (MB/s) | peak RSS (MiB) | digest (skopeo) |`);
    console.log(`|---|---|---:|---:|---:|---|`);
    console.log(`| ${args.gib} GiB, uncompressed tar | ${nodeFlags.join(" ") || "(none)"} | ${run.wallSeconds.toFixed(2)} | ${mbPerSecond.toFixed(0)} | ${run.peakRssMb.toFixed(0)} | ${digestOk ? "matches" : `${promoted} ≠ ${image.digest}`} |`);
    console.log(`| no-op rerun (baseline) | ${nodeFlags.join(" ") || "(none)"} | ${baseline.wallSeconds.toFixed(2)} | – | ${baseline.peakRssMb.toFixed(0)} | – |`);
    console.log(`${rssOk ? "PASS" : "FAIL"}  peak RSS < ${RSS_TARGET_MB} MB: ${(run.peakRssMb * 1.048576).toFixed(0)} MB`);
    console.log(`${digestOk ? "PASS" : "FAIL"}  destination digest equals the source digest (skopeo inspect --raw)`);
    return rssOk && digestOk ? 0 : 1;
  } finally {
    await Promise.all(registries.map((registry) => registry.dispose()));
    await rm(root, { recursive: true, force: true });
  }
}

runMain("bench:large-layer", main);
