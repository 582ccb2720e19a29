import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { checkRepository } from "../../lib/check/check-repository";
import { runCheckCommand } from "../../lib/cli/check";
import { captureIo } from "../support/capture-io";
import { formatProblem } from "../../lib/diagnostics/problem";
import { makeFixtureRepo, type FixtureRepo } from "./fixture-repo";

const repository = join(__dirname, "../..");
const PROMOTER = "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com";
const ALPHA_MANIFEST = "manifests/k8s-staging-alpha/promoter-manifest.yaml";
const SHARED = "us-central1-docker.pkg.dev/k8s-staging-images";

async function problemsOf(repo: FixtureRepo): Promise<string[]> {
  return (await checkRepository({ root: repo.root })).map(formatProblem);
}

describe("checkRepository: the tree rules", () => {
  let repo: FixtureRepo;
  beforeEach(async () => {
    repo = await makeFixtureRepo(["alpha", "beta"]);
  });
  afterEach(() => repo.dispose());

  it("passes on projects made by new-project", async () => {
    expect(await problemsOf(repo)).toEqual([]);
  });

  it("lets a subproject with both kinds promote from either of its registries", async () => {
    repo.write("projects/alpha.yaml", "sharedRegistry: {}\ndedicatedProject: {}\n");
    expect(await problemsOf(repo)).toEqual([]);
    edit(ALPHA_MANIFEST, `- name: ${SHARED}/alpha`, "- name: gcr.io/k8s-staging-alpha")(repo);
    expect(await problemsOf(repo)).toEqual([]);
  });

  const edit = (path: string, from: string, to: string) => (r: FixtureRepo) => {
    const text = r.read(path);
    if (!text.includes(from)) throw new Error(`fixture: ${from} not in ${path}`);
    r.write(path, text.replace(from, to));
  };

  it.each<[string, (r: FixtureRepo) => void, string[]]>([
    [
      "a project without OWNERS",
      (r) => r.remove("images/k8s-staging-alpha/OWNERS"),
      ["projects/alpha.yaml:1:1: images/k8s-staging-alpha/OWNERS is missing (npm run new-project writes it)"],
    ],
    [
      "an OWNERS without approvers",
      (r) => r.write("images/k8s-staging-alpha/OWNERS", "# nobody\napprovers: []\n"),
      ["images/k8s-staging-alpha/OWNERS:2:12: OWNERS must list at least one approver under approvers"],
    ],
    [
      "a blank OWNERS",
      (r) => r.write("images/k8s-staging-alpha/OWNERS", ""),
      ["images/k8s-staging-alpha/OWNERS:1:1: OWNERS must list at least one approver under approvers"],
    ],
    [
      "a project without a manifest",
      (r) => r.remove("manifests/k8s-staging-alpha"),
      [`projects/alpha.yaml:1:1: ${ALPHA_MANIFEST} is missing (npm run new-project writes it)`],
    ],
    [
      "a project without any promotion file",
      (r) => (r.remove("manifests/k8s-staging-alpha"), r.remove("images/k8s-staging-alpha")),
      [
        "projects/alpha.yaml:1:1: images/k8s-staging-alpha/OWNERS is missing (npm run new-project writes it)",
        "projects/alpha.yaml:1:1: images/k8s-staging-alpha/images.yaml is missing (npm run new-project writes it)",
        `projects/alpha.yaml:1:1: ${ALPHA_MANIFEST} is missing (npm run new-project writes it)`,
      ],
    ],
    [
      "a manifest without images.yaml",
      (r) => r.remove("images/k8s-staging-alpha/images.yaml"),
      [`${ALPHA_MANIFEST}:1:1: images/k8s-staging-alpha/images.yaml not found: every manifest needs its images file`],
    ],
    [
      "a manifest without a project",
      (r) => r.remove("projects/beta.yaml"),
      [
        'images/k8s-staging-beta/images.yaml:1:1: no project "beta" in projects/ for images/k8s-staging-beta/ (add projects/beta.yaml or remove the directory)',
        'manifests/k8s-staging-beta/promoter-manifest.yaml:1:1: no project "beta" in projects/ for manifests/k8s-staging-beta/ (add projects/beta.yaml or remove the directory)',
      ],
    ],
    [
      "a manifest directory not named after a project",
      (r) => (r.write("manifests/beta/promoter-manifest.yaml", r.read("manifests/k8s-staging-beta/promoter-manifest.yaml")), r.write("images/beta/images.yaml", "")),
      [
        "images/beta/images.yaml:1:1: images/beta/ is not named k8s-staging-<project>",
        "manifests/beta/promoter-manifest.yaml:1:1: manifests/beta/ is not named k8s-staging-<project>",
      ],
    ],
    [
      "a source registry of another project",
      edit(ALPHA_MANIFEST, `- name: ${SHARED}/alpha`, `- name: ${SHARED}/beta`),
      [`${ALPHA_MANIFEST}:4:9: source registry must be ${SHARED}/alpha, the staging registry the program declares for project "alpha"`],
    ],
    [
      "a shared registry's project promoting from a dedicated project it does not declare",
      edit(ALPHA_MANIFEST, `- name: ${SHARED}/alpha`, "- name: gcr.io/k8s-staging-alpha"),
      [`${ALPHA_MANIFEST}:4:9: source registry must be ${SHARED}/alpha, the staging registry the program declares for project "alpha"`],
    ],
    [
      "a dedicated project promoting from a shared registry it does not declare",
      (r) => r.write("projects/alpha.yaml", "dedicatedProject: {}\n"),
      [`${ALPHA_MANIFEST}:4:9: source registry must be gcr.io/k8s-staging-alpha, the staging registry the program declares for project "alpha"`],
    ],
    [
      "a destination written by another account",
      edit(ALPHA_MANIFEST, `service-account: ${PROMOTER}`, "service-account: someone@example.iam.gserviceaccount.com"),
      [`${ALPHA_MANIFEST}:7:20: service-account must be ${PROMOTER}, the promoter account the stack config declares`],
    ],
    [
      "a destination without a service account",
      edit(ALPHA_MANIFEST, `\n  service-account: ${PROMOTER}`, ""),
      [`${ALPHA_MANIFEST}:6:3: service-account is missing; destinations are written by the promoter account ${PROMOTER}`],
    ],
    [
      "a destination outside the production registries",
      edit(ALPHA_MANIFEST, "asia-east1-docker.pkg.dev/k8s-artifacts-prod/images/alpha", "docker.io/alpha"),
      [`${ALPHA_MANIFEST}:6:9: destination docker.io/alpha is not a production registry of the stack config nor a path below one`],
    ],
    [
      "an invalid project file, while the tree is still checked",
      (r) => (r.write("projects/alpha.yaml", "sharedRegistry:\n  colour: blue\n"), edit(ALPHA_MANIFEST, `- name: ${SHARED}/alpha`, "- name: gcr.io/elsewhere")(r)),
      [
        `manifests/k8s-staging-alpha/promoter-manifest.yaml:4:9: source registry must be ${SHARED}/alpha or gcr.io/k8s-staging-alpha, the staging registry the program declares for project "alpha"`,
        "projects/alpha.yaml:2:3: sharedRegistry.colour: unknown key",
      ],
    ],
    [
      "an invalid digest in images.yaml",
      (r) => r.write("images/k8s-staging-alpha/images.yaml", '- name: tool\n  dmap:\n    "sha256:abc": ["v1"]\n'),
      ['images/k8s-staging-alpha/images.yaml:3:5: [0].dmap["sha256:abc"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 3)'],
    ],
    [
      "an image of a root project landing in another project's path",
      (r) => {
        r.write(ALPHA_MANIFEST, r.read(ALPHA_MANIFEST).replaceAll("/images/alpha\n", "/images\n"));
        r.write("images/k8s-staging-alpha/images.yaml", `- name: beta/tool\n  dmap:\n    "sha256:${"a".repeat(64)}": ["v1"]\n`);
      },
      [
        "images/k8s-staging-alpha/images.yaml:1:9: [0].name: asia-east1-docker.pkg.dev/k8s-artifacts-prod/images/beta/tool (and 21 more) lands in " +
          "asia-east1-docker.pkg.dev/k8s-artifacts-prod/images/beta, the path of project k8s-staging-beta (manifests/k8s-staging-beta/promoter-manifest.yaml:6:9); " +
          "an image may only be written below its own project's registries",
      ],
    ],
    [
      "an OWNERS linked to /dev/zero (refused, not read)",
      (r) => (r.remove("images/k8s-staging-alpha/OWNERS"), symlinkSync("/dev/zero", join(r.root, "images/k8s-staging-alpha/OWNERS"))),
      ["images/k8s-staging-alpha/OWNERS:1:1: is a symbolic link leading outside the tree; not read"],
    ],
    [
      "an images.yaml linked out of the repository (nothing of the target is echoed)",
      (r) => (r.remove("images/k8s-staging-alpha/images.yaml"), symlinkSync(join(r.root, "../.."), join(r.root, "images/k8s-staging-alpha/images.yaml"))),
      ["images/k8s-staging-alpha/images.yaml:1:1: is a symbolic link leading outside the tree; not read"],
    ],
    [
      "an invalid stack config (nothing else can be checked)",
      (r) => r.write("Pulumi.prod.yaml", "config:\n  k8s-staging:organizationId: acme\n"),
      expect.arrayContaining(['Pulumi.prod.yaml:2:31: config["k8s-staging:organizationId"]: expected a numeric organization id']) as unknown as string[],
    ],
  ])("reports %s", async (_what, mutate, expected) => {
    mutate(repo);
    expect(await problemsOf(repo)).toEqual(expected);
  });
});

describe("check command: warnings", () => {
  it("prints a registry listed twice as a warning and still passes", async () => {
    const repo = await makeFixtureRepo(["alpha"]);
    try {
      const text = repo.read(ALPHA_MANIFEST);
      repo.write(ALPHA_MANIFEST, `${text}- name: us-west2-docker.pkg.dev/k8s-artifacts-prod/images/alpha\n  service-account: ${PROMOTER}\n`);
      const output = captureIo();
      expect(await runCheckCommand([], output.io, repo.root)).toBe(0);
      expect(output.err()).toMatch(/^warning: manifests\/k8s-staging-alpha\/promoter-manifest\.yaml:\d+:9: registries\[23\]\.name: registry listed twice \(first on line \d+\); the duplicate is ignored\n$/);
      expect(output.out()).toBe("check passed\n");
    } finally {
      repo.dispose();
    }
  });
});

describe("checkRepository: the repository itself", () => {
  it("passes on the shipped projects/, images/ and manifests/ (a clean clone passes check)", async () => {
    expect((await checkRepository({ root: repository })).map(formatProblem)).toEqual([]);
  });

  it("throws the fs error when the root has no projects directory and the stack config is fine", async () => {
    const repo = await makeFixtureRepo([]);
    try {
      repo.remove("projects");
      await expect(checkRepository({ root: repo.root })).rejects.toThrow("ENOENT");
    } finally {
      repo.dispose();
    }
  });
});
