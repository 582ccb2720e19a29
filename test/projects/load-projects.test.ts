import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../../lib/diagnostics/problem";
import { dedicatedProjects, loadProjects, parseProjects, sharedRegistries, type ProjectFileText } from "../../lib/projects/load-projects";
import { corpusRegistryNames } from "../provision/corpus-registries";
import { projectNameProblem } from "../../lib/projects/project-name";
import { parseStackConfig } from "../../lib/stack-config/load-stack-config";

const config = parseStackConfig(
  { file: "Pulumi.yaml", text: readFileSync("Pulumi.yaml", "utf8") },
  { file: "Pulumi.prod.yaml", text: readFileSync("Pulumi.prod.yaml", "utf8") },
);
const file = (name: string, text = "dedicatedProject: {}\n"): ProjectFileText => ({ file: `projects/${name}.yaml`, name, text });
/** A file with only a dedicated project, the given YAML indented under it. */
const dedicated = (name: string, section: string): ProjectFileText =>
  file(name, `dedicatedProject:\n${section.replace(/^(?=.)/gm, "  ")}`);
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
    expect(projectNameProblem(name, { dedicated: true, shared: false })).toBe(expected);
  });

  test.each([
    ["gateway-api-inference-extension", undefined],
    ["a".repeat(63), undefined],
    ["a".repeat(64), `name "${"a".repeat(64)}" has 64 characters; a repository id has at most 63`],
    ["dns", undefined],
    ["ab", 'registry name "ab" has 2 characters; its build account "ab-sa" needs at least 3'],
  ])("a shared registry named %j → %s", (name, expected) => {
    expect(projectNameProblem(name, { dedicated: false, shared: true })).toBe(expected);
  });

  test.each([17, 18])("a %i-character name loads, and its longest account id fits", (length) => {
    const name = "b".repeat(length);
    const [entry] = parseProjects([dedicated(name, "gcbBuilder:\n  prowProject: k8s-infra-prow-build\n")], config);
    expect(entry!.dedicated!.spec.projectId).toBe(`k8s-staging-${name}`);
    expect(entry!.dedicated!.spec.gcbBuilder!.accountId.length).toBeLessThanOrEqual(30);
  });

  test("a 19-character name points at the file", () => {
    expect(problemsOf([file("c".repeat(19))])).toBe(
      `projects/${"c".repeat(19)}.yaml:1:1: project name "${"c".repeat(19)}" has 19 characters; at most 18 fit in a GCP project id after "k8s-staging-"`,
    );
  });
});

describe("parseProjects", () => {
  test.each([
    ["an empty map", "dedicatedProject: {}\n"],
    ["a null value", "# No extras\ndedicatedProject:\n"],
  ])("accepts %s as a plain dedicated project", (_, text) => {
    const [entry] = parseProjects([file("kind", text)], config);
    const project = entry!.dedicated!;
    expect(entry!.shared).toBeUndefined();
    expect(project.spec.writersGroup).toBe("k8s-infra-staging-kind@kubernetes.io");
    expect(project.spec.registries.map((r) => r.address)).toEqual(["gcr.io/k8s-staging-kind"]);
    expect(project.spec.registries[0]!.adoptFrom).toBe("projects/k8s-staging-kind/locations/us/repositories/gcr.io");
    expect(project.spec.buckets).toEqual({ main: "k8s-staging-kind", gcb: "k8s-staging-kind-gcb" });
    expect(project.spec.cleanup).toBe("delete");
    expect(project.spec.parent).toEqual({ orgId: "758905017065" });
    expect(project.bindings).toEqual([]);
  });

  test.each([
    ["an empty map", "sharedRegistry: {}\n"],
    ["a null value", "sharedRegistry:\n"],
  ])("accepts %s as a plain shared registry", (_, text) => {
    const [entry] = parseProjects([file("kueue", text)], config);
    expect(entry!.dedicated).toBeUndefined();
    expect(entry!.shared).toEqual({
      name: "kueue",
      file: "projects/kueue.yaml",
      projectId: "k8s-staging-images",
      location: "us-central1",
      address: "us-central1-docker.pkg.dev/k8s-staging-images/kueue",
      repositoryName: "projects/k8s-staging-images/locations/us-central1/repositories/kueue",
      writers: "group:k8s-infra-staging-kueue@kubernetes.io",
      cleanup: "delete",
      buildAccount: {
        accountId: "kueue-sa",
        email: "kueue-sa@k8s-staging-images.iam.gserviceaccount.com",
        resourceName: "projects/k8s-staging-images/serviceAccounts/kueue-sa@k8s-staging-images.iam.gserviceaccount.com",
        displayName: "Build SA for kueue",
        podPrincipal:
          "principal://iam.googleapis.com/projects/180382678033/locations/global/workloadIdentityPools/k8s-infra-prow-build-trusted.svc.id.goog/subject/ns/test-pods/sa/kueue",
      },
    });
  });

  test("reads the data of both kinds in one file", () => {
    const [entry] = parseProjects(
      [file("kind", "sharedRegistry:\n  writers: group:sig-testing-leads@kubernetes.io\n  cleanup: dry-run\ndedicatedProject:\n  cleanup: none\n  folderId: \"713040427754\"\n")],
      config,
    );
    expect(entry!.shared).toMatchObject({ writers: "group:sig-testing-leads@kubernetes.io", cleanup: "dry-run" });
    expect(entry!.dedicated!.spec).toMatchObject({ cleanup: "none", parent: { folderId: "713040427754" } });
  });

  test("a long name is fine for a shared registry alone; its build account keeps 27 characters", () => {
    const [entry] = parseProjects([file("gateway-api-inference-extension", "sharedRegistry: {}\n")], config);
    expect(entry!.shared!.buildAccount.accountId).toBe("gateway-api-inference-exten-sa");
  });

  test("authoritative project roles become one binding each, with every member of that role", () => {
    const [entry] = parseProjects(
      [dedicated("x", "authoritativeProjectRoles: [roles/viewer, roles/owner]\nprojectIam:\n  roles/owner: [group:k8s-infra-release-admins@kubernetes.io]\n")],
      config,
    );
    const { grants, bindings } = entry!.dedicated!;
    expect(bindings).toEqual([
      {
        target: { kind: "project" },
        role: "roles/viewer",
        members: ["group:k8s-infra-artifact-admins@kubernetes.io", "group:k8s-infra-staging-x@kubernetes.io"],
      },
      { target: { kind: "project" }, role: "roles/owner", members: ["group:k8s-infra-release-admins@kubernetes.io"] },
    ]);
    expect(grants.filter((g) => g.target.kind === "project" && ["roles/viewer", "roles/owner"].includes(g.role))).toEqual([]);
  });

  test.each([
    ["no kind", "# nothing\n", "projects/p.yaml:1:1: declare sharedRegistry: {} (a repository in the shared staging project, for new subprojects) or dedicatedProject: {}"],
    ["an empty file", "", "projects/p.yaml:1:1: declare sharedRegistry: {} (a repository in the shared staging project, for new subprojects) or dedicatedProject: {}"],
    ["unknown top-level key", "dedicatedProject: {}\ncolor: blue\n", "projects/p.yaml:2:1: color: unknown key"],
    ["unknown key", "dedicatedProject:\n  color: blue\n", "projects/p.yaml:2:3: dedicatedProject.color: unknown key"],
    ["unknown shared key", "sharedRegistry:\n  group: x\n", "projects/p.yaml:2:3: sharedRegistry.group: unknown key"],
    [
      "duplicate key",
      "dedicatedProject:\n  apis: [compute.googleapis.com]\n  apis: [oslogin.googleapis.com]\n",
      "projects/p.yaml:3:3: dedicatedProject.apis: duplicate key (first on line 2)",
    ],
    ["wrong type", "dedicatedProject:\n  apis: compute.googleapis.com\n", "projects/p.yaml:2:9: dedicatedProject.apis: expected array, received string"],
    ["a section that is no map", "sharedRegistry: yes\n", "projects/p.yaml:1:17: sharedRegistry: expected object, received string"],
    [
      "wrong type for a number",
      "dedicatedProject:\n  bucketObjectAgeDays: soon\n",
      "projects/p.yaml:2:24: dedicatedProject.bucketObjectAgeDays: expected number, received string",
    ],
    [
      "bad email in a member",
      "dedicatedProject:\n  projectIam:\n    roles/viewer:\n      - group:not-an-email\n",
      'projects/p.yaml:4:9: dedicatedProject.projectIam["roles/viewer"][0]: bad email "not-an-email"',
    ],
    [
      "bad group member email",
      "dedicatedProject:\n  groupMembers: [alice@]\n",
      "projects/p.yaml:2:18: dedicatedProject.groupMembers[0]: bad email address",
    ],
    [
      "member without a kind",
      "dedicatedProject:\n  registryIam:\n    roles/artifactregistry.writer: [bob@example.com]\n",
      'projects/p.yaml:3:37: dedicatedProject.registryIam["roles/artifactregistry.writer"][0]: expected an IAM member such as group:NAME@DOMAIN (kinds: user, group, serviceAccount, domain, principal://, principalSet://, allUsers)',
    ],
    [
      "bad writers",
      "sharedRegistry:\n  writers: group:leads\n",
      'projects/p.yaml:2:12: sharedRegistry.writers: bad email "leads"',
    ],
    [
      "a bad federated principal",
      "sharedRegistry:\n  writers: principal://example.com/x y\n",
      'projects/p.yaml:2:12: sharedRegistry.writers: bad federated principal "principal://example.com/x y"',
    ],
    [
      "a bad cleanup mode",
      "sharedRegistry:\n  cleanup: keep\n",
      'projects/p.yaml:2:12: sharedRegistry.cleanup: expected one of "delete"|"dry-run"|"none"',
    ],
    ["a bad folder", "dedicatedProject:\n  folderId: folder-1\n", 'projects/p.yaml:2:13: dedicatedProject.folderId: expected a numeric folder id or ""'],
    [
      "a bad authoritative role",
      "dedicatedProject:\n  authoritativeProjectRoles: [viewer]\n",
      "projects/p.yaml:2:31: dedicatedProject.authoritativeProjectRoles[0]: expected an IAM role such as roles/viewer",
    ],
    [
      "an authoritative role nobody gets",
      "dedicatedProject:\n  authoritativeProjectRoles: [roles/owner]\n",
      "projects/p.yaml:2:31: dedicatedProject.authoritativeProjectRoles[0]: roles/owner is held authoritatively but granted to no one: list its members under projectIam",
    ],
    [
      "an authoritative role listed twice",
      "dedicatedProject:\n  authoritativeProjectRoles: [roles/viewer, roles/viewer]\n",
      "projects/p.yaml:2:45: dedicatedProject.authoritativeProjectRoles[1]: roles/viewer is listed twice",
    ],
    ["YAML syntax error", "dedicatedProject:\n  apis: [compute.googleapis.com\n", "projects/p.yaml:3:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]"],
    ["not a map", "- compute\n", "projects/p.yaml:1:1: expected object, received array"],
    [
      "an API every project has",
      "dedicatedProject:\n  apis: [iam.googleapis.com]\n",
      "projects/p.yaml:2:10: dedicatedProject.apis[0]: iam.googleapis.com is enabled for every project",
    ],
    [
      "a default grant repeated",
      "dedicatedProject:\n  projectIam:\n    roles/viewer: [group:k8s-infra-artifact-admins@kubernetes.io]\n",
      'projects/p.yaml:3:20: dedicatedProject.projectIam["roles/viewer"][0]: roles/viewer for group:k8s-infra-artifact-admins@kubernetes.io is already granted to every project',
    ],
    [
      "the main registry listed as an extra",
      "dedicatedProject:\n  registries:\n    - {location: us, repositoryId: gcr.io}\n",
      "projects/p.yaml:3:7: dedicatedProject.registries[0]: us/gcr.io is the project's main registry",
    ],
  ])("reports %s with its position", (_, text, expected) => {
    expect(problemsOf([file("p", text)])).toBe(expected);
  });

  test("a duplicate key does not hide the file's other problems", () => {
    expect(problemsOf([dedicated("p", "apis: [compute.googleapis.com, 3]\ncolor: blue\napis: [oslogin.googleapis.com, 4]\n")])).toBe(
      [
        "projects/p.yaml:3:3: dedicatedProject.color: unknown key",
        "projects/p.yaml:4:3: dedicatedProject.apis: duplicate key (first on line 2)",
        "projects/p.yaml:4:34: dedicatedProject.apis[1]: expected string, received number",
      ].join("\n"),
    );
  });

  test("the name rules follow what the file declares", () => {
    const long = "cluster-inventory-api";
    expect(parseProjects([file(long, "sharedRegistry: {}\n")], config)).toHaveLength(1);
    expect(problemsOf([file(long, "sharedRegistry: {}\ndedicatedProject: {}\n")])).toBe(
      `projects/${long}.yaml:1:1: project name "${long}" has 21 characters; at most 18 fit in a GCP project id after "k8s-staging-"`,
    );
    expect(problemsOf([file("ab", "sharedRegistry: {}\n")])).toBe(
      'projects/ab.yaml:1:1: registry name "ab" has 2 characters; its build account "ab-sa" needs at least 3',
    );
  });

  test("refuses a dedicated project that would be the shared staging project", () => {
    expect(problemsOf([file("images")])).toBe("projects/images.yaml:1:1: dedicatedProject: k8s-staging-images is the shared staging project; choose another name");
  });

  test("refuses two shared registries whose build accounts would be the same", () => {
    const prefix = "a-very-long-registry-name-x";
    expect(problemsOf([file(`${prefix}1`, "sharedRegistry: {}\n"), file(`${prefix}2`, "sharedRegistry: {}\n")])).toBe(
      `projects/${prefix}2.yaml:1:1: build account "${prefix}-sa" is already the build account of registry "${prefix}1" (account ids keep the first 27 characters of the name)`,
    );
  });

  test("reports every problem of every file at once, sorted", () => {
    expect(
      problemsOf([
        file("zeta", "dedicatedProject: {}\ncolor: 1\nshade: 2\n"),
        dedicated("alpha", "apis: [nope]\n"),
        file("Bad"),
      ]),
    ).toBe(
      [
        'projects/Bad.yaml:1:1: project name "Bad" must be lowercase letters, digits and hyphens, start with a letter and end with a letter or digit',
        "projects/alpha.yaml:2:10: dedicatedProject.apis[0]: expected an API service name such as compute.googleapis.com",
        "projects/zeta.yaml:2:1: color: unknown key",
        "projects/zeta.yaml:3:1: shade: unknown key",
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
    writeFileSync(join(dir, "kind.yaml"), "dedicatedProject: {}\n");
    writeFileSync(join(dir, "kops.yml"), "");
    writeFileSync(join(dir, "README.md"), "notes");
    await expect(loadProjects(dir, config)).rejects.toThrow(`${join(dir, "kops.yml")}:1:1: project files end in .yaml`);
    rmSync(join(dir, "kops.yml"));
    expect((await loadProjects(dir, config)).map((entry) => entry.name)).toEqual(["kind"]);
  });

  test("fails with the fs error for a missing directory", async () => {
    await expect(loadProjects(join(dir, "missing"), config)).rejects.toThrow("ENOENT");
  });

  test("loads the shipped entries: the 82 dedicated projects (without k8s-staging-gcb-untrusted) and the 40 registries of registries.tf", async () => {
    const entries = await loadProjects("projects", config);
    const names = entries.map((entry) => entry.name);
    expect(names).toEqual([...names].sort());
    const projects = dedicatedProjects(entries).map((project) => project.spec.name);
    expect(projects).toHaveLength(82);
    expect(projects).not.toContain("gcb-untrusted");
    expect(projects).toEqual(expect.arrayContaining(["addon-manager", "kubernetes", "win-op-rdnss"]));
    const registries = sharedRegistries(entries).map((registry) => registry.name);
    expect(registries).toEqual(corpusRegistryNames());
    // Subprojects with both kinds: their old project keeps the images promoted from it.
    expect(entries.filter((entry) => entry.shared && entry.dedicated).map((entry) => entry.name)).toEqual([
      "dns", "etcd", "gateway-api", "infra-tools", "ingress-nginx", "kind", "kubernetes", "kueue", "sp-operator", "test-infra",
    ]);
  });
});
