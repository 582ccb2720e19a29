import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { checkRepository } from "../../lib/check/check-repository";
import { runNewProjectCommand } from "../../lib/cli/new-project";
import { createProject, PLAIN_PROJECT_FILE, ProjectScaffoldError } from "../../lib/scaffold/create-project";
import { githubLoginProblem, promotionFiles } from "../../lib/scaffold/promotion-files";
import { loadStackConfig } from "../../lib/stack-config/load-stack-config";
import type { StackConfig } from "../../lib/stack-config/stack-config-schema";
import { makeFixtureRepo, type FixtureRepo } from "../check/fixture-repo";
import { captureIo } from "../support/capture-io";

const repository = join(__dirname, "../..");
const PROMOTER = "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com";

let config: StackConfig;
beforeAll(async () => {
  config = await loadStackConfig(join(repository, "Pulumi.yaml"), join(repository, "Pulumi.prod.yaml"));
});

describe("promotionFiles", () => {
  it("writes OWNERS, a blank images.yaml and a manifest from the stack config", () => {
    const files = promotionFiles("my-tool", config, { approvers: ["octocat", "hubot"] });
    expect([...files.keys()]).toEqual([
      "images/k8s-staging-my-tool/OWNERS",
      "images/k8s-staging-my-tool/images.yaml",
      "manifests/k8s-staging-my-tool/promoter-manifest.yaml",
    ]);
    expect(files.get("images/k8s-staging-my-tool/OWNERS")).toBe(
      "# See the OWNERS docs at https://go.k8s.io/owners\n# They approve changes to images.yaml, i.e. what is promoted to production.\napprovers:\n  - octocat\n  - hubot\n",
    );
    expect(files.get("images/k8s-staging-my-tool/images.yaml")).toBe("# No images yet\n");
    const manifest = files.get("manifests/k8s-staging-my-tool/promoter-manifest.yaml")!.split("\n");
    expect(manifest.slice(2, 7)).toEqual([
      "registries:",
      "- name: gcr.io/k8s-staging-my-tool",
      "  src: true",
      "- name: asia-east1-docker.pkg.dev/k8s-artifacts-prod/images/my-tool",
      `  service-account: ${PROMOTER}`,
    ]);
    expect(manifest.filter((line) => line.startsWith("- name: ")).length).toBe(1 + config.productionRegistries.length);
  });

  it("defaults the approver to the SIG K8s Infra leads alias and supports the registry root", () => {
    const files = promotionFiles("etcd", config, { imagePaths: [""] });
    expect(files.get("images/k8s-staging-etcd/OWNERS")).toContain("approvers:\n  - sig-k8s-infra-leads\n");
    expect(files.get("manifests/k8s-staging-etcd/promoter-manifest.yaml")).toContain(
      "- name: us-central1-docker.pkg.dev/k8s-artifacts-prod/images\n",
    );
  });

  it.each([
    ["octocat", undefined],
    ["a-b-1", undefined],
    ["-x", '"-x" is not a GitHub user name (1-39 letters, digits or single hyphens, not at either end)'],
    ["a--b", '"a--b" is not a GitHub user name (1-39 letters, digits or single hyphens, not at either end)'],
    ["x".repeat(40), `"${"x".repeat(40)}" is not a GitHub user name (1-39 letters, digits or single hyphens, not at either end)`],
  ])("githubLoginProblem(%j)", (login, expected) => {
    expect(githubLoginProblem(login)).toBe(expected);
  });
});

describe("createProject / new-project", () => {
  let repo: FixtureRepo;
  beforeEach(async () => {
    repo = await makeFixtureRepo(["kind"]);
  });
  afterEach(() => repo.dispose());

  it("writes the four files and check passes right after", async () => {
    const b = captureIo();
    expect(await runNewProjectCommand(["my-tool", "--owner", "octocat"], b.io, repo.root)).toBe(0);
    expect(b.out()).toBe(
      [
        "wrote images/k8s-staging-my-tool/OWNERS",
        "wrote images/k8s-staging-my-tool/images.yaml",
        "wrote manifests/k8s-staging-my-tool/promoter-manifest.yaml",
        "wrote projects/my-tool.yaml",
        "next: npm run check, then open a pull request",
        "",
      ].join("\n"),
    );
    expect(repo.read("projects/my-tool.yaml")).toBe(PLAIN_PROJECT_FILE);
    expect(await checkRepository({ root: repo.root })).toEqual([]);
  });

  it.each<[string, string[], string[]]>([
    ["a taken name", ["kind"], [
      'project name "kind" is taken: projects/kind.yaml exists',
      'project name "kind" is taken: images/k8s-staging-kind exists',
      'project name "kind" is taken: manifests/k8s-staging-kind exists',
    ]],
    ["a name too long", ["a-very-long-project-name"], [
      'project name "a-very-long-project-name" has 24 characters; at most 18 fit in a GCP project id after "k8s-staging-"',
    ]],
    ["a bad name and a bad owner", ["../x", "--owner", "-x-"], [
      'project name "../x" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit',
      '"-x-" is not a GitHub user name (1-39 letters, digits or single hyphens, not at either end)',
    ]],
    ["a bad image path", ["ok", "--image-path", "Bad/Path"], [
      "image path \"Bad/Path\": image name must be lowercase components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'",
    ]],
  ])("refuses %s with the reason and writes nothing", async (_what, argv, reasons) => {
    const before = readdirSync(join(repo.root, "projects")).sort();
    const b = captureIo();
    expect(await runNewProjectCommand(argv, b.io, repo.root)).toBe(1);
    expect(b.err()).toBe(`new-project: nothing written:\n${reasons.map((reason) => `  ${reason}`).join("\n")}\n`);
    expect(readdirSync(join(repo.root, "projects")).sort()).toEqual(before);
  });

  it("exits 2 without a name", async () => {
    const b = captureIo();
    expect(await runNewProjectCommand([], b.io, repo.root)).toBe(2);
    expect(b.err()).toBe("error: missing required argument 'name'\n");
  });

  it("removes what it wrote when a later write fails (all or none)", async () => {
    repo.remove("manifests");
    repo.write("manifests", "a file where the manifests directory should be\n");
    const error = await createProject(repo.root, "my-tool", config).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("ENOTDIR");
    expect(existsSync(join(repo.root, "images/k8s-staging-my-tool"))).toBe(false);
    expect(existsSync(join(repo.root, "projects/my-tool.yaml"))).toBe(false);
    expect(existsSync(join(repo.root, "images/k8s-staging-kind/OWNERS"))).toBe(true);
  });

  it("throws ProjectScaffoldError with every reason", async () => {
    await expect(createProject(repo.root, "kind", config, { imagePaths: ["x", "x"] })).rejects.toThrow(
      new ProjectScaffoldError([
        'project name "kind" is taken: projects/kind.yaml exists',
        'project name "kind" is taken: images/k8s-staging-kind exists',
        'project name "kind" is taken: manifests/k8s-staging-kind exists',
        'image path "x" is listed twice',
      ]),
    );
  });
});
