import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly if?: string;
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string>;
  readonly steps: Step[];
}
interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const DIR = ".github/workflows";
const files = readdirSync(DIR).filter((file) => file.endsWith(".yml")).sort();
const texts = new Map(files.map((file) => [file, readFileSync(join(DIR, file), "utf8")]));
const workflow = (file: string) => parse(texts.get(file)!) as Workflow;
const runs = (job: Job) => job.steps.flatMap((step) => (step.run ? [step.run] : []));
const needs = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

test("the workflows, and nothing else", () => {
  expect(files).toEqual(["audit.yml", "deploy.yml", "drift.yml", "plan-diff-comment.yml", "promote-backstop.yml", "promote-dry-run.yml", "pull-request.yml"]);
});

describe("pull-request.yml", () => {
  const pr = workflow("pull-request.yml");

  test("runs on pull requests to main, read-only by default", () => {
    expect(pr.on).toEqual({ pull_request: { branches: ["main"] } });
    expect(pr.permissions).toEqual({ contents: "read" });
    expect(Object.keys(pr.jobs).sort()).toEqual(["check", "plan-diff", "preview", "test"]);
  });

  test("check compares with the target branch", () => {
    expect(runs(pr.jobs["check"]!)).toContain("npm run check -- --base origin/${{ github.base_ref }}");
    expect(pr.jobs["check"]!.steps[0]).toEqual({ uses: "actions/checkout@v4", with: { "fetch-depth": 0 } });
  });

  test("test installs the real registry and skopeo with apt", () => {
    expect(runs(pr.jobs["test"]!).join("\n")).toMatch(/apt-get install .*docker-registry skopeo/);
    expect(runs(pr.jobs["test"]!)).toContain("npm test");
  });

  test("plan-diff renders the diff offline and hands it over as an artifact", () => {
    const job = pr.jobs["plan-diff"]!;
    expect(runs(job)).toContain("npm run plan -- --base origin/${{ github.base_ref }} --markdown plan-diff.md");
    expect(job.steps.find((step) => step.uses === "actions/upload-artifact@v4")?.with).toMatchObject({ name: "plan-diff", path: "plan-diff.md" });
    expect(job.permissions).toBeUndefined();
  });

  test("preview runs after check with the policy pack, only for branches of this repository", () => {
    const job = pr.jobs["preview"]!;
    expect(needs(job)).toEqual(["check"]);
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(runs(job)).toContain("pulumi preview --stack prod --policy-pack policy --diff");
  });
});

test("promote-dry-run.yml runs the dry run with --diff-base on the PR's data only", () => {
  const dryRun = workflow("promote-dry-run.yml");
  expect(Object.keys(dryRun.on)).toEqual(["pull_request_target"]);
  const job = dryRun.jobs["promote-dry-run"]!;
  const commands = runs(job);
  expect(commands.at(-1)).toBe("npm run promote -- --thin-manifest-dir . --strict --diff-base ${{ github.event.pull_request.base.sha }} --markdown promote-report.md");
  expect(commands.some((command) => command.includes("--confirm"))).toBe(false);
  // pull_request_target has secrets and a write-capable context: the checkout must be the base branch, and
  // only data files may come from the PR.
  expect(job.steps[0]!.uses).toBe("actions/checkout@v4");
  expect(job.steps[0]!.with).not.toHaveProperty("ref");
  expect(commands.join("\n")).toContain('git checkout "$HEAD_SHA" -- images manifests');
});

test("promote-dry-run.yml posts its Markdown report from a separate job that runs no code, even when the dry run failed", () => {
  const dryRun = workflow("promote-dry-run.yml");
  const upload = dryRun.jobs["promote-dry-run"]!.steps.find((step) => step.uses === "actions/upload-artifact@v4") as Step & { if?: string };
  expect(upload.with).toMatchObject({ name: "promote-report", path: "promote-report.md" });
  expect(upload.if).toBe("always()");
  const comment = dryRun.jobs["comment"]!;
  expect(needs(comment)).toEqual(["promote-dry-run"]);
  expect(comment.if).toBe("always() && needs.promote-dry-run.result != 'cancelled'");
  expect(comment.permissions).toEqual({ "pull-requests": "write" });
  expect(comment.steps.map((step) => step.uses).filter(Boolean)).toEqual(["actions/download-artifact@v4"]);
  expect(runs(comment).join("\n")).toContain("marker='<!-- k8s-staging:promote-report -->'");
  expect(runs(comment).join("\n")).toContain('gh pr comment "$PR_NUMBER" --body-file comment.md');
});

test("each report is one comment of its own, updated in place by its marker (never --edit-last)", () => {
  const markers = files.flatMap((file) => [...texts.get(file)!.matchAll(/marker='(<!-- k8s-staging:[a-z-]+ -->)'/g)].map((m) => m[1]));
  expect(markers.sort()).toEqual(["<!-- k8s-staging:plan-diff -->", "<!-- k8s-staging:promote-report -->"]);
  for (const file of files) expect(texts.get(file)).not.toContain("--edit-last");
});

test("plan-diff-comment.yml comments from a workflow_run of pull-request, without checking out the PR", () => {
  const comment = workflow("plan-diff-comment.yml");
  expect(comment.on).toEqual({ workflow_run: { workflows: ["pull-request"], types: ["completed"] } });
  const job = comment.jobs["comment"]!;
  expect(job.permissions).toEqual({ actions: "read", "pull-requests": "write" });
  expect(job.steps.map((step) => step.uses).filter(Boolean)).toEqual(["actions/download-artifact@v4"]);
  expect(runs(job).join("\n")).toContain('gh pr comment "$number" --body-file comment.md');
});

describe("deploy.yml", () => {
  const deploy = workflow("deploy.yml");

  test("runs on pushes to main, one run at a time", () => {
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(texts.get("deploy.yml")).toContain("cancel-in-progress: false");
  });

  test("pulumi up, then promote --confirm", () => {
    expect(runs(deploy.jobs["up"]!)).toContain("pulumi up --stack prod --yes --policy-pack policy");
    expect(needs(deploy.jobs["up"]!)).toEqual([]);
    expect(needs(deploy.jobs["promote"]!)).toEqual(["up"]);
    expect(runs(deploy.jobs["promote"]!)).toContain("npm run promote -- --thin-manifest-dir . --confirm");
  });
});

test("audit.yml runs the audit daily with the registry-read identity, and keeps its findings", () => {
  const audit = workflow("audit.yml");
  expect(Object.keys(audit.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
  expect((audit.on["schedule"] as Array<{ cron: string }>).map((entry) => entry.cron)).toEqual(["23 5 * * *"]);
  const job = audit.jobs["audit"]!;
  expect(runs(job).join("\n")).toContain("set -o pipefail\nnpm run -s audit -- --thin-manifest-dir . --json audit.json | tee audit.txt");
  expect(job.steps.find((step) => step.uses?.startsWith("google-github-actions/auth@"))?.with?.["service_account"]).toBe("${{ vars.GCP_REGISTRY_READER_SERVICE_ACCOUNT }}");
  expect(job.steps.find((step) => step.uses === "actions/upload-artifact@v4")?.with).toMatchObject({ name: "audit", path: "audit.json" });
});

test("promote-backstop.yml promotes daily what was merged in the last week, from the full history, as the promoter", () => {
  const backstop = workflow("promote-backstop.yml");
  expect(Object.keys(backstop.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
  const job = backstop.jobs["promote"]!;
  expect(runs(job).at(-1)).toBe("npm run promote -- --thin-manifest-dir . --confirm --since 7d");
  expect(job.steps[0]).toEqual({ uses: "actions/checkout@v4", with: { "fetch-depth": 0, "persist-credentials": false } });
  expect(job.steps.find((step) => step.uses?.startsWith("google-github-actions/auth@"))?.with?.["service_account"]).toBe("${{ vars.GCP_PROMOTER_SERVICE_ACCOUNT }}");
  // Never in the deploy group: a queued backstop would replace a deploy waiting there.
  expect(texts.get("promote-backstop.yml")).toContain("group: promote-backstop");
});

test("drift.yml previews daily after a refresh and fails on any change, with the read-only preview identity", () => {
  const drift = workflow("drift.yml");
  expect(Object.keys(drift.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
  const job = drift.jobs["drift"]!;
  expect(runs(job).join("\n")).toContain("set -o pipefail\npulumi preview --stack prod --refresh --expect-no-changes --diff 2>&1 | tee drift.txt");
  expect(runs(job).join("\n")).not.toMatch(/pulumi (up|refresh)/);
  expect(job.steps.find((step) => step.uses?.startsWith("google-github-actions/auth@"))?.with?.["service_account"]).toBe("${{ vars.GCP_PREVIEW_SERVICE_ACCOUNT }}");
});

describe("every job that reaches GCP", () => {
  const cloudJobs = files.flatMap((file) =>
    Object.entries(workflow(file).jobs)
      .filter(([, job]) => job.steps.some((step) => step.uses?.startsWith("google-github-actions/auth@")))
      .map(([name, job]) => [`${file} ${name}`, job] as const),
  );

  test("is one of the expected ones", () => {
    expect(cloudJobs.map(([name]) => name).sort()).toEqual([
      "audit.yml audit",
      "deploy.yml promote",
      "deploy.yml up",
      "drift.yml drift",
      "promote-backstop.yml promote",
      "promote-dry-run.yml promote-dry-run",
      "pull-request.yml preview",
    ]);
  });

  test.each(cloudJobs)("%s authenticates keylessly through Workload Identity Federation", (_name, job) => {
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    const auth = job.steps.find((step) => step.uses?.startsWith("google-github-actions/auth@"))!;
    expect(auth.uses).toBe("google-github-actions/auth@v2");
    expect(Object.keys(auth.with ?? {}).sort()).toEqual(["service_account", "workload_identity_provider"]);
    expect(auth.with!["workload_identity_provider"]).toBe("${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}");
  });

  test.each(files)("%s holds no key material or secret-based credentials", (file) => {
    expect(texts.get(file)).not.toMatch(/GOOGLE_CREDENTIALS|credentials_json|secrets\./);
  });
});

test.each(files)("%s sets up Node 24 wherever it runs npm", (file) => {
  for (const job of Object.values(workflow(file).jobs)) {
    if (!runs(job).some((command) => command.startsWith("npm "))) continue;
    expect(job.steps.find((step) => step.uses === "actions/setup-node@v4")?.with).toMatchObject({ "node-version": 24 });
  }
});
