// `npm run bench:plan [-- real shared:1000 dedicated:100 …]`: times `plan` (wall time, peak RSS) over the shipped
// projects/ and over generated shared registries or dedicated projects, one child process per run so each
// measurement starts cold, as `npm run plan` does.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What one run plans: the shipped list, or that many generated entries of one kind. */
type Workload = { readonly kind: "real" } | { readonly kind: "shared" | "dedicated"; readonly count: number };

/** One measurement. */
interface Measurement {
  readonly workload: string;
  readonly resources: number;
  readonly wallSeconds: number;
  readonly peakRssMb: number;
}

/** Every tenth generated dedicated project carries the special-case fields, so the mix resembles the real list. */
function dedicatedText(index: number): string {
  if (index % 10 !== 0) return "dedicatedProject: {}\n";
  return [
    "dedicatedProject:",
    "  apis: [compute.googleapis.com]",
    "  projectIam:",
    "    roles/viewer: [group:k8s-infra-release-viewers@kubernetes.io]",
    "  registryIam:",
    "    roles/artifactregistry.admin: [group:k8s-infra-release-admins@kubernetes.io]",
    "  gcbBuilder:",
    "    prowProject: k8s-infra-prow-build-trusted",
    "",
  ].join("\n");
}

/** Like registries.tf: most registries have their own group, some a SIG leads group, a few are CI-only dry runs. */
function sharedText(index: number): string {
  if (index % 10 === 0) return "sharedRegistry:\n  writers: group:sig-leads@kubernetes.io\n";
  if (index % 25 === 1) return "sharedRegistry:\n  cleanup: dry-run\n";
  return "sharedRegistry: {}\n";
}

function prepare(workload: Workload, dir: string): string {
  const projects = join(dir, "projects");
  if (workload.kind === "real") {
    cpSync("projects", projects, { recursive: true });
    return projects;
  }
  mkdirSync(projects);
  for (let i = 0; i < workload.count; i++) {
    const text = workload.kind === "shared" ? sharedText(i) : dedicatedText(i);
    writeFileSync(join(projects, `bench-${String(i).padStart(4, "0")}.yaml`), text);
  }
  return projects;
}

function measure(workload: Workload): Measurement {
  const label = workload.kind === "real" ? "the shipped projects/" : `${workload.count} generated ${workload.kind}`;
  const dir = mkdtempSync(join(tmpdir(), "bench-plan-"));
  try {
    const projects = prepare(workload, dir);
    copyFileSync("Pulumi.yaml", join(dir, "Pulumi.yaml"));
    copyFileSync("Pulumi.prod.yaml", join(dir, "Pulumi.prod.yaml"));
    const json = join(dir, "plan.json");
    const args = ["node_modules/.bin/tsx", "lib/cli/plan.ts", "--projects", projects, "--stack-config", join(dir, "Pulumi.prod.yaml"), "--json", json];
    const started = process.hrtime.bigint();
    // GNU time reports the child's peak RSS ("Maximum resident set size (kbytes)").
    const run = spawnSync("/usr/bin/time", ["-v", ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) throw new Error(`plan failed for ${label}:\n${run.stderr}`);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
    const resources = /\n(\d+) resources:\n/.exec(run.stdout);
    return { workload: label, resources: Number(resources?.[1] ?? NaN), wallSeconds, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseWorkload(arg: string): Workload {
  if (arg === "real") return { kind: "real" };
  const match = /^(shared|dedicated):(\d+)$/.exec(arg);
  if (!match) throw new Error(`bench:plan: "${arg}" is not real, shared:N or dedicated:N`);
  return { kind: match[1] as "shared" | "dedicated", count: Number(match[2]) };
}

const args = process.argv.slice(2);
const workloads = (args.length > 0 ? args : ["real", "shared:1000", "dedicated:100", "dedicated:1000"]).map(parseWorkload);
console.log("| workload | resources | wall time (s) | peak RSS (MB) |");
console.log("|---|---:|---:|---:|");
for (const workload of workloads) {
  const r = measure(workload);
  console.log(`| ${r.workload} | ${r.resources} | ${r.wallSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`);
}
