import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { checkRepository } from "../../lib/check/check-repository";
import { runNewProjectCommand } from "../../lib/cli/new-project";
import { createProject, ProjectScaffoldError, sharedRegistryFileText } from "../../lib/scaffold/create-project";
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
    const source = "us-central1-docker.pkg.dev/k8s-staging-images/my-tool";
    const files = promotionFiles("my-tool", config, { source, writers: "group:k8s-infra-staging-my-tool@kubernetes.io", approvers: ["octocat", "hubot"] });
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
    expect(manifest[0]).toBe(`# group:k8s-infra-staging-my-tool@kubernetes.io may push to ${source}`);
    expect(manifest.slice(2, 7)).toEqual([
      "registries:",
      `- name: ${source}`,
      "  src: true",
      "- name: asia-east1-docker.pkg.dev/k8s-artifacts-prod/images/my-tool",
      `  service-account: ${PROMOTER}`,
    ]);
    expect(manifest.filter((line) => line.startsWith("- name: ")).length).toBe(1 + config.productionRegistries.length);
  });

  it("defaults the approver to the SIG K8s Infra leads alias and supports the registry root", () => {
    const files = promotionFiles("etcd", config, { source: "gcr.io/k8s-staging-etcd", writers: "group:k8s-infra-staging-etcd@kubernetes.io", imagePaths: [""] });
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
    expect(repo.read("projects/my-tool.yaml")).toBe(
      [
        "# A repository in the shared staging project: us-central1-docker.pkg.dev/k8s-staging-images/my-tool",
        "# It gets what every shared registry gets (see the README); state here only what differs.",
        "sharedRegistry: {}",
        "",
      ].join("\n"),
    );
    expect(repo.read("manifests/k8s-staging-my-tool/promoter-manifest.yaml")).toContain(
      "- name: us-central1-docker.pkg.dev/k8s-staging-images/my-tool\n  src: true\n",
    );
    expect(await checkRepository({ root: repo.root })).toEqual([]);
  });

  it("takes a name longer than a dedicated project's and another writers group", async () => {
    const name = "node-readiness-controller";
    const b = captureIo();
    expect(await runNewProjectCommand([name, "--writers", "group:k8s-infra-staging-nrc@kubernetes.io"], b.io, repo.root)).toBe(0);
    expect(repo.read(`projects/${name}.yaml`)).toBe(sharedRegistryFileText(name, config, "group:k8s-infra-staging-nrc@kubernetes.io"));
    expect(repo.read(`projects/${name}.yaml`)).toContain("sharedRegistry:\n  writers: group:k8s-infra-staging-nrc@kubernetes.io\n");
    expect(repo.read(`manifests/k8s-staging-${name}/promoter-manifest.yaml`).split("\n")[0]).toBe(
      `# group:k8s-infra-staging-nrc@kubernetes.io may push to us-central1-docker.pkg.dev/k8s-staging-images/${name}`,
    );
    expect(await checkRepository({ root: repo.root })).toEqual([]);
  });

  it.each<[string, string[], string[]]>([
    ["a taken name", ["kind"], [
      'project name "kind" is taken: projects/kind.yaml exists',
      'project name "kind" is taken: images/k8s-staging-kind exists',
      'project name "kind" is taken: manifests/k8s-staging-kind exists',
    ]],
    ["a name too long", ["a".repeat(64)], [
      `name "${"a".repeat(64)}" has 64 characters; a repository id has at most 63`,
    ]],
    ["a name too short", ["ab"], ['registry name "ab" has 2 characters; its build account "ab-sa" needs at least 3']],
    ["bad writers", ["my-tool", "--writers", "k8s-infra-staging-my-tool@kubernetes.io"], [
      'writers "k8s-infra-staging-my-tool@kubernetes.io": expected an IAM member such as group:NAME@DOMAIN (kinds: user, group, serviceAccount, domain, principal://, principalSet://, allUsers)',
    ]],
    ["a bad name and a bad owner", ["../x", "--owner", "-x-"], [
      'project name "../x" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit',
      '"-x-" is not a GitHub user name (1-39 letters, digits or single hyphens, not at either end)',
    ]],
    ["a bad image path", ["okay", "--image-path", "Bad/Path"], [
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
