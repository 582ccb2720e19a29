import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../../lib/diagnostics/problem";
import { loadProjects, parseProjects, type ProjectFileText } from "../../lib/projects/load-projects";
import { projectNameProblem } from "../../lib/projects/project-name";
import { parseStackConfig } from "../../lib/stack-config/load-stack-config";

const config = parseStackConfig(
  { file: "Pulumi.yaml", text: readFileSync("Pulumi.yaml", "utf8") },
  { file: "Pulumi.prod.yaml", text: readFileSync("Pulumi.prod.yaml", "utf8") },
);
const file = (name: string, text = ""): ProjectFileText => ({ file: `projects/${name}.yaml`, name, text });
const problemsOf = (files: ProjectFileText[]): string => {
  try {
    parseProjects(files, config);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
  throw new Error("expected invalid input");
};

describe("project names", () => {
  test.each([
    ["a".repeat(17), undefined],
    ["a".repeat(18), undefined],
    [
      "a".repeat(19),
      `project name "${"a".repeat(19)}" has 19 characters; at most 18 fit in a GCP project id after "k8s-staging-"`,
    ],
    ["a", undefined],
    ["a1", undefined],
    ["cluster-api-gcp", undefined],
    ["1abc", 'project name "1abc" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit'],
    ["abc-", 'project name "abc-" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit'],
    ["Abc", 'project name "Abc" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit'],
    ["a_b", 'project name "a_b" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit'],
    ["", "the project name is empty"],
  ])("%j → %s", (name, expected) => {
    expect(projectNameProblem(name)).toBe(expected);
  });

  test.each([17, 18])("a %i-character name loads, and its longest account id fits", (length) => {
    const name = "b".repeat(length);
    const [project] = parseProjects([file(name, "gcbBuilder:\n  prowProject: k8s-infra-prow-build\n")], config);
    expect(project!.spec.projectId).toBe(`k8s-staging-${name}`);
    expect(project!.spec.gcbBuilder!.accountId.length).toBeLessThanOrEqual(30);
  });

  test("a 19-character name points at the file", () => {
    expect(problemsOf([file("c".repeat(19))])).toBe(
      `projects/${"c".repeat(19)}.yaml:1:1: project name "${"c".repeat(19)}" has 19 characters; at most 18 fit in a GCP project id after "k8s-staging-"`,
    );
  });
});

describe("parseProjects", () => {
  test.each([
    ["an empty file", ""],
    ["a comment-only file", "# No extras\n"],
  ])("accepts %s as a plain project", (_, text) => {
    const [project] = parseProjects([file("kind", text)], config);
    expect(project!.spec.writersGroup).toBe("k8s-infra-staging-kind@kubernetes.io");
    expect(project!.spec.registries.map((r) => r.address)).toEqual(["gcr.io/k8s-staging-kind"]);
    expect(project!.spec.buckets).toEqual({ main: "k8s-staging-kind", gcb: "k8s-staging-kind-gcb" });
  });

  test.each([
    ["unknown key", "color: blue\n", "projects/p.yaml:1:1: color: unknown key"],
    ["duplicate key", "apis: [compute.googleapis.com]\napis: [oslogin.googleapis.com]\n", "projects/p.yaml:2:1: apis: duplicate key (first on line 1)"],
    ["wrong type", "apis: compute.googleapis.com\n", "projects/p.yaml:1:7: apis: expected array, received string"],
    ["wrong type for a number", "bucketObjectAgeDays: soon\n", "projects/p.yaml:1:22: bucketObjectAgeDays: expected number, received string"],
    [
      "bad email in a member",
      "projectIam:\n  roles/viewer:\n    - group:not-an-email\n",
      'projects/p.yaml:3:7: projectIam["roles/viewer"][0]: bad email "not-an-email"',
    ],
    ["bad group member email", "groupMembers: [alice@]\n", "projects/p.yaml:1:16: groupMembers[0]: bad email address"],
    [
      "member without a kind",
      "registryIam:\n  roles/artifactregistry.writer: [bob@example.com]\n",
      'projects/p.yaml:2:35: registryIam["roles/artifactregistry.writer"][0]: expected an IAM member such as group:NAME@DOMAIN (kinds: user, group, serviceAccount, domain, allUsers)',
    ],
    ["YAML syntax error", "apis: [compute.googleapis.com\n", "projects/p.yaml:2:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]"],
    ["not a map", "- compute\n", "projects/p.yaml:1:1: expected object, received array"],
    [
      "an API every project has",
      "apis: [iam.googleapis.com]\n",
      "projects/p.yaml:1:8: apis[0]: iam.googleapis.com is enabled for every project",
    ],
    [
      "a default grant repeated",
      "projectIam:\n  roles/viewer: [group:k8s-infra-artifact-admins@kubernetes.io]\n",
      'projects/p.yaml:2:18: projectIam["roles/viewer"][0]: roles/viewer for group:k8s-infra-artifact-admins@kubernetes.io is already granted to every project',
    ],
    [
      "the main registry listed as an extra",
      "registries:\n  - {location: us, repositoryId: gcr.io}\n",
      "projects/p.yaml:2:5: registries[0]: us/gcr.io is the project's main registry",
    ],
  ])("reports %s with its position", (_, text, expected) => {
    expect(problemsOf([file("p", text)])).toBe(expected);
  });

  test("a duplicate key does not hide the file's other problems", () => {
    expect(problemsOf([file("p", "apis: [compute.googleapis.com, 3]\ncolor: blue\napis: [oslogin.googleapis.com, 4]\n")])).toBe(
      [
        "projects/p.yaml:2:1: color: unknown key",
        "projects/p.yaml:3:1: apis: duplicate key (first on line 1)",
        "projects/p.yaml:3:32: apis[1]: expected string, received number",
      ].join("\n"),
    );
  });

  test("reports every problem of every file at once, sorted", () => {
    expect(
      problemsOf([
        file("zeta", "color: 1\nshade: 2\n"),
        file("alpha", "apis: [nope]\n"),
        file("Bad", ""),
      ]),
    ).toBe(
      [
        'projects/Bad.yaml:1:1: project name "Bad" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit',
        "projects/alpha.yaml:1:8: apis[0]: expected an API service name such as compute.googleapis.com",
        "projects/zeta.yaml:1:1: color: unknown key",
        "projects/zeta.yaml:2:1: shade: unknown key",
      ].join("\n"),
    );
  });

  test("rejects a project whose bucket is another project's Cloud Build bucket", () => {
    expect(problemsOf([file("x"), file("x-gcb")])).toBe(
      'projects/x-gcb.yaml:1:1: bucket "k8s-staging-x-gcb" is already the Cloud Build bucket of project "x"',
    );
  });

  test("rejects the same name twice", () => {
    expect(problemsOf([file("x"), { ...file("x"), file: "other/x.yaml" }])).toBe(
      'other/x.yaml:1:1: project name "x" is used by another file',
    );
  });
});

describe("loadProjects", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "projects-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("reads *.yaml, reports *.yml, ignores other files", async () => {
    writeFileSync(join(dir, "kind.yaml"), "");
    writeFileSync(join(dir, "kops.yml"), "");
    writeFileSync(join(dir, "README.md"), "notes");
    await expect(loadProjects(dir, config)).rejects.toThrow(`${join(dir, "kops.yml")}:1:1: project files end in .yaml`);
    rmSync(join(dir, "kops.yml"));
    expect((await loadProjects(dir, config)).map((p) => p.spec.name)).toEqual(["kind"]);
  });

  test("fails with the fs error for a missing directory", async () => {
    await expect(loadProjects(join(dir, "missing"), config)).rejects.toThrow("ENOENT");
  });

  test("loads the 82 shipped projects, sorted, without k8s-staging-gcb-untrusted", async () => {
    const projects = await loadProjects("projects", config);
    expect(projects).toHaveLength(82);
    const names = projects.map((p) => p.spec.name);
    expect(names).toEqual([...names].sort());
    expect(names).not.toContain("gcb-untrusted");
    expect(names).toEqual(expect.arrayContaining(["addon-manager", "kubernetes", "win-op-rdnss"]));
  });
});
