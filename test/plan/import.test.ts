import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readKnownIds, runImportPlanCommand } from "../../lib/cli/import-plan";
import { planStaging } from "../../lib/plan/diff/plan-staging";
import { buildImportFile, type ImportEntry } from "../../lib/plan/import/import-file";
import { IMPORTABLE_TYPES, importIdOf } from "../../lib/plan/import/import-ids";
import type { PlannedResource } from "../../lib/plan/plan-program";

const P = "k8s-staging-kind";
const SA = `gcb-image-builder@${P}.iam.gserviceaccount.com`;
// IAM member ids: `<resource> <role> <member>`; a Workload Identity member names a Kubernetes account, not an email,
// and a federated one a principal or principal set. Bindings: `<resource> <role>`.
const ROLE = String.raw`roles/[A-Za-z0-9.]+`;
const MEMBER = String.raw`(allUsers|(group|user):\S+@\S+|serviceAccount:(\S+@\S+|[a-z][a-z0-9-]+\.svc\.id\.goog\[[a-z0-9-]+/[a-z0-9-]+\])|principal(Set)?://[a-z.]+\.googleapis\.com/\S+)`;
const resource = (type: string, inputs: Record<string, unknown>): PlannedResource => ({ type, name: `${P}/x`, parent: P, inputs });

// The formats of the Import section of each resource's @pulumi/gcp documentation, one per declared type.
const DOCUMENTED: readonly [string, Record<string, unknown>, string, RegExp][] = [
  ["gcp:organizations/project:Project", { projectId: P, name: P }, P, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/],
  ["gcp:projects/service:Service", { project: P, service: "iam.googleapis.com" }, `${P}/iam.googleapis.com`, /^[a-z][a-z0-9-]+\/[a-z0-9.-]+\.googleapis\.com$/],
  [
    "gcp:projects/iAMMember:IAMMember",
    { project: P, role: "roles/viewer", member: "group:k8s-infra-staging-kind@kubernetes.io" },
    `${P} roles/viewer group:k8s-infra-staging-kind@kubernetes.io`,
    new RegExp(`^[a-z][a-z0-9-]+ ${ROLE} ${MEMBER}$`),
  ],
  [
    "gcp:projects/iAMBinding:IAMBinding",
    { project: P, role: "roles/owner", members: ["group:k8s-infra-release-admins@kubernetes.io"] },
    `${P} roles/owner`,
    new RegExp(`^[a-z][a-z0-9-]+ ${ROLE}$`),
  ],
  [
    "gcp:artifactregistry/repository:Repository",
    { project: P, location: "us", repositoryId: "gcr.io", format: "DOCKER" },
    `projects/${P}/locations/us/repositories/gcr.io`,
    /^projects\/[a-z][a-z0-9-]+\/locations\/[a-z0-9-]+\/repositories\/[a-z0-9.-]+$/,
  ],
  [
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
    { project: P, location: "us", repository: "gcr.io", role: "roles/artifactregistry.reader", member: "allUsers" },
    `projects/${P}/locations/us/repositories/gcr.io roles/artifactregistry.reader allUsers`,
    new RegExp(`^projects/[a-z][a-z0-9-]+/locations/[a-z0-9-]+/repositories/[a-z0-9.-]+ ${ROLE} ${MEMBER}$`),
  ],
  ["gcp:storage/bucket:Bucket", { project: P, name: `${P}-gcb`, location: "US" }, `${P}/${P}-gcb`, /^[a-z][a-z0-9-]+\/[a-z0-9][a-z0-9._-]+$/],
  [
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    { bucket: P, role: "roles/storage.objectViewer", member: "allUsers" },
    `b/${P} roles/storage.objectViewer allUsers`,
    new RegExp(`^b/[a-z0-9][a-z0-9._-]+ ${ROLE} ${MEMBER}$`),
  ],
  [
    "gcp:serviceaccount/account:Account",
    { project: P, accountId: "gcb-image-builder", displayName: "gcb-image-builder" },
    `projects/${P}/serviceAccounts/${SA}`,
    /^projects\/[a-z][a-z0-9-]+\/serviceAccounts\/[a-z][a-z0-9-]+@[a-z][a-z0-9-]+\.iam\.gserviceaccount\.com$/,
  ],
  [
    "gcp:serviceaccount/iAMMember:IAMMember",
    { serviceAccountId: `projects/${P}/serviceAccounts/${SA}`, role: "roles/iam.serviceAccountTokenCreator", member: `serviceAccount:${SA}` },
    `projects/${P}/serviceAccounts/${SA} roles/iam.serviceAccountTokenCreator serviceAccount:${SA}`,
    new RegExp(`^projects/[a-z][a-z0-9-]+/serviceAccounts/[a-z][a-z0-9-]+@[a-z][a-z0-9-]+\\.iam\\.gserviceaccount\\.com ${ROLE} ${MEMBER}$`),
  ],
  [
    "gcp:serviceaccount/iAMBinding:IAMBinding",
    { serviceAccountId: `projects/${P}/serviceAccounts/${SA}`, role: "roles/iam.serviceAccountUser", members: ["group:a@example.com"] },
    `projects/${P}/serviceAccounts/${SA} roles/iam.serviceAccountUser`,
    new RegExp(`^projects/[a-z][a-z0-9-]+/serviceAccounts/[a-z][a-z0-9-]+@[a-z][a-z0-9-]+\\.iam\\.gserviceaccount\\.com ${ROLE}$`),
  ],
];
const FORMAT_BY_TYPE = new Map(DOCUMENTED.map(([type, , , format]) => [type, format]));

describe("importIdOf", () => {
  test.each(DOCUMENTED)("%s", (type, inputs, expected, format) => {
    const id = importIdOf(resource(type, inputs));
    expect(id).toBe(expected);
    expect(id).toMatch(format);
  });

  test("the table covers every type ids are derived for", () => {
    expect([...FORMAT_BY_TYPE.keys()].sort()).toEqual([...IMPORTABLE_TYPES].sort());
  });

  test.each([
    ["gcp:cloudidentity/group:Group"],
    ["gcp:cloudidentity/groupMembership:GroupMembership"],
  ])("%s: assigned by the cloud, so undefined", (type) => {
    expect(importIdOf(resource(type, { groupKey: { id: "g@kubernetes.io" } }))).toBeUndefined();
  });

  test.each([
    ["gcp:compute/network:Network", {}, `gcp:compute/network:Network "${P}/x": no import id format is known for this type`],
    ["gcp:projects/service:Service", { project: P }, `gcp:projects/service:Service "${P}/x": an input its import id needs is missing`],
    ["gcp:storage/bucketIAMMember:BucketIAMMember", { bucket: P, role: "roles/x" }, `gcp:storage/bucketIAMMember:BucketIAMMember "${P}/x": an input its import id needs is missing`],
  ])("%s with inputs %j throws", (type, inputs, message) => {
    expect(() => importIdOf(resource(type, inputs))).toThrow(message);
  });
});

describe("buildImportFile", () => {
  const group: PlannedResource = { type: "gcp:cloudidentity/group:Group", name: `${P}/group`, parent: P, inputs: {} };
  const component: PlannedResource = { type: "k8s-staging:index:StagingProject", name: P, parent: null, inputs: {} };

  test("components first as component entries, then every resource with its id and parent", () => {
    const project = resource("gcp:organizations/project:Project", { projectId: P });
    expect(buildImportFile([project, component])).toEqual({
      resources: [
        { type: "k8s-staging:index:StagingProject", name: P, component: true },
        { type: "gcp:organizations/project:Project", name: `${P}/x`, id: P, parent: P },
      ],
    });
  });

  test("a resource whose id the cloud assigned needs --ids; every problem is listed", () => {
    const bad = resource("gcp:compute/network:Network", {});
    expect(() => buildImportFile([component, group, bad], { knownIds: new Map([["nope", "groups/1"]]) })).toThrow(
      [
        `"nope" has an id in --ids but the program declares no resource of that name`,
        `gcp:cloudidentity/group:Group "${P}/group": its id is assigned by the cloud; give it with --ids`,
        `gcp:compute/network:Network "${P}/x": no import id format is known for this type`,
      ].join("\n"),
    );
    expect(buildImportFile([group], { knownIds: new Map([[`${P}/group`, "groups/01abc"]]) }).resources).toEqual([
      { type: "gcp:cloudidentity/group:Group", name: `${P}/group`, id: "groups/01abc", parent: P },
    ]);
  });
});

describe("import-plan on real project files", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "import-plan-"));
    mkdirSync(join(dir, "projects"));
    copyFileSync("Pulumi.yaml", join(dir, "Pulumi.yaml"));
    copyFileSync("Pulumi.prod.yaml", join(dir, "Pulumi.prod.yaml"));
    // A plain project that also has a shared registry, one with its own builder account and compute APIs, one with
    // extra KMS grants, one with authoritative bindings, and a shared registry alone.
    for (const name of ["kind", "cluster-api-gcp", "kustomize", "kubernetes", "headlamp"]) {
      copyFileSync(join("projects", `${name}.yaml`), join(dir, "projects", `${name}.yaml`));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("every declared resource gets an id in its type's documented format, ids unique, parents in the file", async () => {
    const out = join(dir, "import.json");
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
    let stdout = "";
    let stderr = "";
    const args = ["--out", out, "--projects", join(dir, "projects"), "--stack-config", join(dir, "Pulumi.prod.yaml")];
    expect(await runImportPlanCommand(args, io)).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain(`${out}: `);
    expect(stdout).toContain(`Adopt them with: pulumi import --file ${out} --generate-code=false\n`);

    const { resources } = JSON.parse(readFileSync(out, "utf8")) as { resources: ImportEntry[] };
    const planned = await planStaging(
      { projectsDir: join(dir, "projects"), projectFile: join(dir, "Pulumi.yaml"), stackFile: join(dir, "Pulumi.prod.yaml") },
      "prod",
    );
    expect(resources.map((entry) => `${entry.type} ${entry.name}`).sort()).toEqual(planned.map((r) => `${r.type} ${r.name}`).sort());
    const names = new Set(resources.map((entry) => entry.name));
    const seenIds = new Set<string>();
    for (const entry of resources) {
      if (entry.parent !== undefined) expect(names.has(entry.parent)).toBe(true);
      if (entry.type.startsWith("k8s-staging:")) {
        expect(entry).toEqual({ type: entry.type, name: entry.name, component: true });
        continue;
      }
      expect(entry.id).toMatch(FORMAT_BY_TYPE.get(entry.type)!);
      const key = `${entry.type} ${entry.id}`;
      expect(seenIds.has(key)).toBe(false);
      seenIds.add(key);
    }
    const components = ["StagingProject", "Promoter", "SharedStagingProject", "SharedRegistry"].map((type) => `k8s-staging:index:${type}`);
    expect(new Set(resources.map((entry) => entry.type))).toEqual(new Set([...FORMAT_BY_TYPE.keys(), ...components]));
    const idOf = (name: string) => resources.find((entry) => entry.name === name)?.id;
    expect(idOf("k8s-staging-cluster-api-gcp/sa/gcb-builder")).toBe(
      "projects/k8s-staging-cluster-api-gcp/serviceAccounts/gcb-builder-cluster-api-gcp@k8s-staging-cluster-api-gcp.iam.gserviceaccount.com",
    );
    expect(idOf("promoter/k8s-infra-gcr-promoter/sa")).toBe(
      "projects/k8s-artifacts-prod/serviceAccounts/k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com",
    );
    expect(idOf("promoter/k8s-infra-image-promotion/sa/workloadIdentityUser")).toBe(
      "projects/k8s-artifacts-prod/serviceAccounts/k8s-infra-image-promotion@k8s-artifacts-prod.iam.gserviceaccount.com roles/iam.workloadIdentityUser",
    );
    // The existing shared project, its registries and k8s-staging-kubernetes are adopted under these ids.
    expect(idOf("k8s-staging-images/project")).toBe("k8s-staging-images");
    expect(idOf("k8s-staging-images/iam/viewer")).toBe("k8s-staging-images roles/viewer");
    expect(idOf("k8s-staging-images/gcb-bucket")).toBe("k8s-staging-images/k8s-staging-images-gcb");
    expect(idOf("k8s-staging-images/headlamp/repository")).toBe("projects/k8s-staging-images/locations/us-central1/repositories/headlamp");
    expect(idOf("k8s-staging-images/headlamp/sa/serviceAccountUser")).toBe(
      "projects/k8s-staging-images/serviceAccounts/headlamp-sa@k8s-staging-images.iam.gserviceaccount.com roles/iam.serviceAccountUser",
    );
    expect(idOf("k8s-staging-kubernetes/iam/owner")).toBe("k8s-staging-kubernetes roles/owner");
    expect(idOf("k8s-staging-kubernetes/registry/us/gcr.io")).toBe("projects/k8s-staging-kubernetes/locations/us/repositories/gcr.io");
  });

  test("invalid project files: exit 2, the positioned problems, nothing written", async () => {
    const projects = join(dir, "bad-projects");
    mkdirSync(projects, { recursive: true });
    writeFileSync(join(projects, "kind.yaml"), "colour: blue\n");
    let stderr = "";
    const io = { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } };
    const out = join(dir, "bad.json");
    expect(await runImportPlanCommand(["--out", out, "--projects", projects, "--stack-config", join(dir, "Pulumi.prod.yaml")], io)).toBe(2);
    expect(stderr).toBe(
      [
        `${join(projects, "kind.yaml")}:1:1: declare sharedRegistry: {} (a repository in the shared staging project, for new subprojects) or dedicatedProject: {}`,
        `${join(projects, "kind.yaml")}:1:1: colour: unknown key`,
        "",
      ].join("\n"),
    );
    expect(() => readFileSync(out)).toThrow("ENOENT");
  });
});

describe("readKnownIds", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "known-ids-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['{"a/group": "groups/01"}', undefined],
    ["[1]", 'FILE:1:1: expected {"<logical name>": "<id>", …}'],
    ['{"a": 1, "b": ""}', 'FILE:1:1: ids must be non-empty strings: "a", "b"'],
  ])("%s", async (text, message) => {
    const file = join(dir, "ids.json");
    writeFileSync(file, text);
    if (message === undefined) expect(await readKnownIds(file)).toEqual(new Map([["a/group", "groups/01"]]));
    else await expect(readKnownIds(file)).rejects.toThrow(message.replace("FILE", file));
  });
});
