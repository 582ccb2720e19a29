import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPlanCommand } from "../../lib/cli/plan";
import type { PlannedResource } from "../../lib/plan/plan-program";

// A small git repository with the real stack config and three real project files, committed once; each test
// edits the working tree and plans it against HEAD.
let repo: string;
const projectFile = (name: string) => join(repo, "projects", `${name}.yaml`);
const original = new Map<string, string>();

function git(...args: string[]): void {
  const result = spawnSync("git", ["-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
}

async function plan(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const io = { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } };
  const status = await runPlanCommand(["--projects", join(repo, "projects"), "--stack-config", join(repo, "Pulumi.prod.yaml"), ...args], io);
  return { status, ...out };
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "plan-diff-"));
  mkdirSync(join(repo, "projects"));
  copyFileSync("Pulumi.yaml", join(repo, "Pulumi.yaml"));
  copyFileSync("Pulumi.prod.yaml", join(repo, "Pulumi.prod.yaml"));
  for (const name of ["kind", "kustomize", "cluster-api-gcp"]) {
    copyFileSync(join("projects", `${name}.yaml`), projectFile(name));
    original.set(name, readFileSync(projectFile(name), "utf8"));
  }
  git("init", "--quiet");
  git("add", ".");
  git("commit", "--quiet", "-m", "base");
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));
afterEach(() => {
  for (const [name, text] of original) writeFileSync(projectFile(name), text);
  rmSync(projectFile("new-thing"), { force: true });
});

test("an unchanged tree: no changes, as text and as Markdown", async () => {
  const markdown = join(repo, "..", `${repo.split("/").pop()}-same.md`);
  const result = await plan("--base", "HEAD", "--markdown", markdown);
  expect(result).toMatchObject({ status: 0, stderr: "" });
  expect(result.stdout).toMatch(/^Plan diff: no changes \(\d+ resources unchanged\)\n$/);
  expect(readFileSync(markdown, "utf8")).toMatch(
    /^### Plan diff: no changes \(\d+ resources unchanged\)\n\n<sub>Offline plan \(Pulumi mocks, no cloud\): `npm run plan -- --base HEAD` reproduces it\.<\/sub>\n$/,
  );
  rmSync(markdown);
});

test.each([
  ["a dedicated project", "dedicatedProject: {}\n", "k8s-staging-new-thing", 40, []],
  // A shared registry also changes the shared project's viewer binding: its writers see the project.
  ["a shared registry", "sharedRegistry: {}\n", "k8s-staging-images/new-thing", 7, ["~ gcp:projects/iAMBinding:IAMBinding k8s-staging-images/iam/viewer"]],
])("adding %s lists exactly its resources as added, and nothing else", async (_, text, component, least, changed) => {
  writeFileSync(projectFile("new-thing"), `# A new subproject.\n${text}`);
  const json = join(repo, "head.json");
  const result = await plan("--base", "HEAD", "--json", json);
  expect(result).toMatchObject({ status: 0, stderr: "" });
  const head = (JSON.parse(readFileSync(json, "utf8")) as { resources: PlannedResource[] }).resources;
  rmSync(json);
  const own = head.filter((r) => r.name === component || r.name.startsWith(`${component}/`));
  expect(own.length).toBeGreaterThan(least);
  const lines = result.stdout.split("\n");
  expect(lines[0]).toBe(`Plan diff: ${own.length} to add, ${changed.length} to change, 0 to remove (${head.length - own.length - changed.length} unchanged)`);
  expect(lines.filter((line) => /^[~-] /.test(line))).toEqual(changed);
  expect(lines.filter((line) => line.startsWith("+ ")).sort()).toEqual(own.map((r) => `+ ${r.type} ${r.name}`).sort());
});

test("a changed grant is removed and added; a changed retention changes the buckets in place", async () => {
  writeFileSync(projectFile("kustomize"), original.get("kustomize")!.replace("roles/cloudkms.admin:\n      - group:k8s-infra-staging-kustomize@kubernetes.io", "roles/cloudkms.admin:\n      - group:k8s-infra-kms-admins@kubernetes.io"));
  writeFileSync(projectFile("kind"), original.get("kind")!.replace("dedicatedProject: {}", "dedicatedProject:\n  bucketObjectAgeDays: 30"));
  const result = await plan("--base", "HEAD");
  expect(result).toMatchObject({ status: 0, stderr: "" });
  expect(result.stdout.replace(/\(\d+ unchanged\)/, "(N unchanged)")).toBe(
    [
      "Plan diff: 1 to add, 2 to change, 1 to remove (N unchanged)",
      "",
      "+ gcp:projects/iAMMember:IAMMember k8s-staging-kustomize/iam/cloudkms.admin/group:k8s-infra-kms-admins@kubernetes.io",
      "",
      "~ gcp:storage/bucket:Bucket k8s-staging-kind/bucket",
      "    lifecycleRules[0].condition.age: 60 → 30",
      "~ gcp:storage/bucket:Bucket k8s-staging-kind/gcb-bucket",
      "    lifecycleRules[0].condition.age: 60 → 30",
      "",
      "- gcp:projects/iAMMember:IAMMember k8s-staging-kustomize/iam/cloudkms.admin/group:k8s-infra-staging-kustomize@kubernetes.io",
      "",
    ].join("\n"),
  );
});

test("two plan JSON files are diffed without planning", async () => {
  const [before, after] = [join(repo, "..", "old-plan.json"), join(repo, "..", "new-plan.json")];
  const resource = { type: "gcp:storage/bucket:Bucket", name: "b", parent: null, inputs: { name: "b" } };
  writeFileSync(before, JSON.stringify({ resources: [resource] }));
  writeFileSync(after, JSON.stringify({ resources: [{ ...resource, inputs: { name: "c" } }] }));
  const result = await plan("--diff", before, after);
  rmSync(before);
  rmSync(after);
  expect(result).toEqual({ status: 0, stderr: "", stdout: 'Plan diff: 0 to add, 1 to change, 0 to remove (0 unchanged)\n\n~ gcp:storage/bucket:Bucket b\n    name: "b" → "c"\n' });
});

test("invalid files at the base are reported as REV:path:LINE:COL", async () => {
  writeFileSync(projectFile("kind"), "colour: blue\n");
  git("commit", "--quiet", "-am", "broken");
  writeFileSync(projectFile("kind"), original.get("kind")!);
  const result = await plan("--base", "HEAD");
  git("commit", "--quiet", "-am", "fixed");
  expect(result).toEqual({
    status: 2,
    stdout: "",
    stderr: [
      `HEAD:${projectFile("kind")}:1:1: declare sharedRegistry: {} (a repository in the shared staging project, for new subprojects) or dedicatedProject: {}`,
      `HEAD:${projectFile("kind")}:1:1: colour: unknown key`,
      "",
    ].join("\n"),
  });
});

test.each([
  [["--base", "no-such-rev"], 1, /^plan failed: no-such-rev is not a commit of the git repository at .+\n$/],
  [["--diff", "one.json"], 2, /^plan: --diff takes two plan JSON files, OLD and NEW \(got 1\)\n$/],
  [["--base", "HEAD", "--diff", "a", "b"], 2, /^plan: --base and --diff cannot be combined\n$/],
  [["--markdown", "x.md"], 2, /^plan: --markdown needs --base REV or --diff OLD NEW\n$/],
])("%j exits %i", async (args, status, stderr) => {
  const result = await plan(...args);
  expect(result.status).toBe(status);
  expect(result.stderr).toMatch(stderr);
  expect(result.stdout).toBe("");
});
