import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { runPlanCommand } from "../../lib/cli/plan";
import { planProgram, type PlannedResource } from "../../lib/plan/plan-program";
import { summarizePlan } from "../../lib/plan/summarize-plan";

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } },
  };
}

describe("plan command", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "plan-"));
    mkdirSync(join(dir, "projects"));
    copyFileSync("Pulumi.yaml", join(dir, "Pulumi.yaml"));
    copyFileSync("Pulumi.prod.yaml", join(dir, "Pulumi.prod.yaml"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("the shipped entries: every resource once, every parity grant, JSON in the documented shape", async () => {
    const json = join(dir, "out.json");
    const { out, io } = capture();
    expect(await runPlanCommand(["--json", json], io)).toBe(0);
    expect(out.stderr).toBe("");
    const { resources } = JSON.parse(readFileSync(json, "utf8")) as { resources: PlannedResource[] };
    expect(Object.keys(JSON.parse(readFileSync(json, "utf8")))).toEqual(["resources"]);
    for (const resource of resources.slice(0, 5)) expect(Object.keys(resource)).toEqual(["type", "name", "parent", "inputs"]);
    // Only the adopted GCR repositories carry the import id they are adopted from.
    const adopted = resources.filter((r) => r.import !== undefined);
    expect(adopted).toHaveLength(82);
    for (const r of adopted) expect([r.type, r.name.endsWith("/registry/us/gcr.io")]).toEqual(["gcp:artifactregistry/repository:Repository", true]);

    const names = resources.map((r) => `${r.type} ${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(resources.map((r) => r.name)).size).toBe(resources.length);
    const sorted = [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1));
    expect(resources).toEqual(sorted);

    const components = resources.filter((r) => r.type === "k8s-staging:index:StagingProject");
    expect(components).toHaveLength(82);
    expect(resources.filter((r) => r.type === "k8s-staging:index:SharedRegistry")).toHaveLength(40);
    // The dedicated projects and the shared one.
    expect(resources.filter((r) => r.type === "gcp:organizations/project:Project")).toHaveLength(83);
    expect(resources.filter((r) => r.type === "gcp:container/registry:Registry")).toEqual([]);
    const topLevel = ["StagingProject", "Promoter", "SharedStagingProject", "SharedRegistry"].map((type) => `k8s-staging:index:${type}`);
    for (const r of resources) {
      if (r.parent === null) expect(topLevel).toContain(r.type);
      else expect(r.name.startsWith(`${r.parent}/`)).toBe(true);
    }
    const writers = resources.filter(
      (r) => r.type === "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember" && r.inputs["role"] === "roles/artifactregistry.repoAdmin" && String(r.inputs["member"]).startsWith("group:k8s-infra-staging-"),
    );
    // One per dedicated registry: 82 gcr.io and test-infra's images.
    expect(writers).toHaveLength(83);
    expect(out.stdout).toContain("k8s-staging-kind: 42 resources (13 APIs, 2 buckets, 24 grants, 1 project, 1 registries, 1 service accounts)\n");
    expect(out.stdout).toContain("k8s-staging-images/kind: 7 resources (1 registries, 5 grants, 1 service accounts)\n");
    expect(out.stdout).toContain("k8s-staging-images: 10 resources (2 APIs, 1 buckets, 6 grants, 1 project)\n");
    expect(out.stdout).toContain(`\n${resources.length} resources:\n`);
  });

  test("bad input: exit 2, only the positioned problems on stderr, no JSON written", async () => {
    writeFileSync(join(dir, "projects", "kind.yaml"), "dedicatedProject:\n  colour: blue\n  apis: [compute.googleapis.com]\n  apis: []\n");
    writeFileSync(join(dir, "projects", "a-name-that-is-too-long.yaml"), "dedicatedProject: {}\n");
    const json = join(dir, "out.json");
    const { out, io } = capture();
    expect(
      await runPlanCommand(["--json", json, "--projects", join(dir, "projects"), "--stack-config", join(dir, "Pulumi.prod.yaml")], io),
    ).toBe(2);
    expect(out.stderr).toBe(
      [
        `${join(dir, "projects", "a-name-that-is-too-long.yaml")}:1:1: project name "a-name-that-is-too-long" has 23 characters; at most 18 fit in a GCP project id after "k8s-staging-"`,
        `${join(dir, "projects", "kind.yaml")}:2:3: dedicatedProject.colour: unknown key`,
        `${join(dir, "projects", "kind.yaml")}:4:3: dedicatedProject.apis: duplicate key (first on line 3)`,
        "",
      ].join("\n"),
    );
    expect(out.stdout).toBe("");
    expect(existsSync(json)).toBe(false);
  });

  test("a bad stack config is reported the same way", async () => {
    writeFileSync(join(dir, "Pulumi.prod.yaml"), "config:\n  k8s-staging:organizationId: 758905017065\n");
    const { out, io } = capture();
    expect(await runPlanCommand(["--projects", join(dir, "projects"), "--stack-config", join(dir, "Pulumi.prod.yaml")], io)).toBe(2);
    expect(out.stderr.split("\n")[0]).toBe(`${join(dir, "Pulumi.prod.yaml")}:1:1: config: "k8s-staging:accessLogBucket" is required`);
    expect(out.stderr).toContain(`${join(dir, "Pulumi.prod.yaml")}:2:31: config["k8s-staging:organizationId"]: expected string, received number\n`);
  });

  test.each([
    [["--help"], 0, /^Usage: plan \[options\]/],
    [["--bogus"], 2, /^$/],
  ])("%j exits %i", async (argv, status, stdout) => {
    const { out, io } = capture();
    expect(await runPlanCommand(argv, io)).toBe(status);
    expect(out.stdout).toMatch(stdout);
  });
});

describe("planProgram", () => {
  test("records parents and refuses two resources with the same type and name", async () => {
    const twice = () => {
      const parent = new pulumi.ComponentResource("test:index:Thing", "thing");
      new pulumi.ComponentResource("test:index:Child", "same", {}, { parent });
      new pulumi.ComponentResource("test:index:Child", "same", {}, { parent });
      return Promise.resolve({});
    };
    await expect(planProgram(twice)).rejects.toThrow('the program declares test:index:Child "same" twice');
    const once = async () => {
      const parent = new pulumi.ComponentResource("test:index:Thing", "thing");
      new pulumi.ComponentResource("test:index:Child", "child", {}, { parent });
      return { answer: pulumi.output(42) };
    };
    const plan = await planProgram(once);
    expect(plan.resources).toEqual([
      { type: "test:index:Child", name: "child", parent: "thing", inputs: {} },
      { type: "test:index:Thing", name: "thing", parent: null, inputs: {} },
    ]);
    expect(plan.outputs).toEqual({ answer: 42 });
  });
});

describe("summarizePlan", () => {
  test("lists components with their children by kind, then totals by type", () => {
    expect(
      summarizePlan([
        { type: "k8s-staging:index:StagingProject", name: "k8s-staging-a", parent: null, inputs: {} },
        { type: "gcp:storage/bucket:Bucket", name: "k8s-staging-a/bucket", parent: "k8s-staging-a", inputs: {} },
        { type: "gcp:storage/bucketIAMMember:BucketIAMMember", name: "k8s-staging-a/bucket/x", parent: "k8s-staging-a", inputs: {} },
      ]),
    ).toBe(
      [
        "k8s-staging-a: 2 resources (1 buckets, 1 grants)",
        "",
        "3 resources:",
        "       1 gcp:storage/bucket:Bucket",
        "       1 gcp:storage/bucketIAMMember:BucketIAMMember",
        "       1 k8s-staging:index:StagingProject",
        "",
      ].join("\n"),
    );
  });
});
