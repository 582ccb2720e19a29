// `npm run bench:plan [-- 100 1000]`: times `plan` over generated projects (wall time, peak RSS), one child
// process per size so each measurement starts cold, as `npm run plan` does.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One measurement. */
interface Measurement {
  readonly projects: number;
  readonly resources: number;
  readonly wallSeconds: number;
  readonly peakRssMb: number;
}

/** Every tenth generated project carries the special-case fields, so the mix resembles the real list. */
function projectText(index: number): string {
  if (index % 10 !== 0) return "# generated\n";
  return [
    "apis: [compute.googleapis.com]",
    "projectIam:",
    "  roles/viewer: [group:k8s-infra-release-viewers@kubernetes.io]",
    "registryIam:",
    "  roles/artifactregistry.admin: [group:k8s-infra-release-admins@kubernetes.io]",
    "gcbBuilder:",
    "  prowProject: k8s-infra-prow-build-trusted",
    "",
  ].join("\n");
}

function measure(count: number): Measurement {
  const dir = mkdtempSync(join(tmpdir(), "bench-plan-"));
  try {
    mkdirSync(join(dir, "projects"));
    for (let i = 0; i < count; i++) writeFileSync(join(dir, "projects", `bench-${String(i).padStart(4, "0")}.yaml`), projectText(i));
    copyFileSync("Pulumi.yaml", join(dir, "Pulumi.yaml"));
    copyFileSync("Pulumi.prod.yaml", join(dir, "Pulumi.prod.yaml"));
    const json = join(dir, "plan.json");
    const args = ["node_modules/.bin/tsx", "lib/cli/plan.ts", "--projects", join(dir, "projects"), "--stack-config", join(dir, "Pulumi.prod.yaml"), "--json", json];
    const started = process.hrtime.bigint();
    // GNU time reports the child's peak RSS ("Maximum resident set size (kbytes)").
    const run = spawnSync("/usr/bin/time", ["-v", ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) throw new Error(`plan failed for ${count} projects:\n${run.stderr}`);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
    const resources = /\n(\d+) resources:\n/.exec(run.stdout);
    return {
      projects: count,
      resources: Number(resources?.[1] ?? NaN),
      wallSeconds,
      peakRssMb: rss ? Number(rss[1]) / 1024 : NaN,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
const results = (sizes.length > 0 ? sizes : [100, 1000]).map(measure);
console.log("| projects | resources | wall time (s) | peak RSS (MB) |");
console.log("|---:|---:|---:|---:|");
for (const r of results) {
  console.log(`| ${r.projects} | ${r.resources} | ${r.wallSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`);
}
