import { readFileSync } from "node:fs";
import { diffPlans } from "../../lib/plan/diff/diff-plans";
import { planProgram, type PlannedResource } from "../../lib/plan/plan-program";
import { declareStagingInfrastructure, defaultProgramInputs, loadStagingInputs } from "../../lib/provision/program";
import { mixedOwnership } from "../../policy/one-owner-per-grant";
import { corpusRegistries } from "./corpus-registries";
import { dedicated, grantsOf, nonGrantChildrenOf, planProjects } from "./plan-helpers";

const S = "k8s-staging-images";
const PROW = "serviceAccount:gcb-builder@k8s-infra-prow-build-trusted.iam.gserviceaccount.com";
const POD = (name: string) =>
  `principal://iam.googleapis.com/projects/180382678033/locations/global/workloadIdentityPools/k8s-infra-prow-build-trusted.svc.id.goog/subject/ns/test-pods/sa/${name}`;
const CLEANUP = [{ id: "delete-images-older-than-90-days", action: "DELETE", condition: { olderThan: "7776000s" } }];

/**
 * What k8s.io's registries.tf declares for one registry, plus the token-creator grant, written out from the
 * specification (design/shared-registry-parity.md), not from the code.
 */
function expectedRegistry(name: string, writers: string, dryRun: boolean) {
  const account = `${name.slice(0, 27)}-sa`;
  const email = `${account}@${S}.iam.gserviceaccount.com`;
  const sa = `projects/${S}/serviceAccounts/${email}`;
  const repo = `registry ${S}/us-central1/${name}`;
  const component = `${S}/${name}`;
  return {
    children: [
      `gcp:artifactregistry/repository:Repository ${component}/repository`,
      `gcp:serviceaccount/account:Account ${component}/sa`,
    ],
    repository: {
      project: S,
      location: "us-central1",
      repositoryId: name,
      format: "DOCKER",
      labels: { environment: "production", name },
      vulnerabilityScanningConfig: { enablementConfig: "DISABLED" },
      cleanupPolicyDryRun: dryRun,
      cleanupPolicies: CLEANUP,
    },
    account: { project: S, accountId: account, displayName: `Build SA for ${name}` },
    grants: [
      `${repo} roles/artifactregistry.reader allUsers`,
      `${repo} roles/artifactregistry.writer ${writers}`,
      `${repo} roles/artifactregistry.writer serviceAccount:${email}`,
      `sa ${sa} roles/iam.serviceAccountUser = [${POD(name)}, ${PROW}]`,
      `sa ${sa} roles/iam.serviceAccountTokenCreator serviceAccount:${email}`,
    ].sort(),
  };
}

function expectRegistry(resources: readonly PlannedResource[], name: string, writers: string, dryRun: boolean): void {
  const expected = expectedRegistry(name, writers, dryRun);
  const component = `${S}/${name}`;
  expect(nonGrantChildrenOf(resources, component)).toEqual(expected.children);
  expect(grantsOf(resources, component)).toEqual(expected.grants);
  const byName = new Map(resources.map((r) => [r.name, r]));
  expect(byName.get(`${component}/repository`)!.inputs).toEqual(expected.repository);
  expect(byName.get(`${component}/repository`)!.import).toBeUndefined();
  expect(byName.get(`${component}/sa`)!.inputs).toEqual(expected.account);
  expect(byName.get(component)!.type).toBe("k8s-staging:index:SharedRegistry");
}

describe("SharedRegistry", () => {
  test("a new subproject's registry gets exactly what registries.tf declares, plus the token creator grant", async () => {
    const resources = await planProjects({ "my-tool": "sharedRegistry: {}\n" });
    expectRegistry(resources, "my-tool", "group:k8s-infra-staging-my-tool@kubernetes.io", false);
    // A shared registry alone declares no dedicated project.
    expect(resources.filter((r) => r.type === "k8s-staging:index:StagingProject")).toEqual([]);
  });

  test("a registry used only by CI keeps a dry-run cleanup policy; another group may write", async () => {
    const resources = await planProjects({ "infra-tools": "sharedRegistry:\n  writers: group:sig-testing-leads@kubernetes.io\n  cleanup: dry-run\n" });
    expectRegistry(resources, "infra-tools", "group:sig-testing-leads@kubernetes.io", true);
  });

  test("a registry that opts out of cleanup says so in a label", async () => {
    const resources = await planProjects({ "my-tool": "sharedRegistry:\n  cleanup: none\n" });
    const repository = resources.find((r) => r.name === `${S}/my-tool/repository`)!;
    expect(repository.inputs["labels"]).toEqual({ environment: "production", name: "my-tool", "cleanup-policy": "none" });
    expect(repository.inputs["cleanupPolicies"]).toBeUndefined();
  });

  test("a long name's build account keeps the first 27 characters, as k8s.io's substr", async () => {
    const name = "gateway-api-inference-extension";
    const resources = await planProjects({ [name]: "sharedRegistry:\n  writers: group:sig-apps-leads@kubernetes.io\n" });
    expectRegistry(resources, name, "group:sig-apps-leads@kubernetes.io", false);
    expect(resources.find((r) => r.name === `${S}/${name}/sa`)!.inputs["accountId"]).toBe("gateway-api-inference-exten-sa");
  });
});

describe("SharedStagingProject", () => {
  test("is declared once from the stack config, its IAM held authoritatively per role (iam.tf)", async () => {
    const resources = await planProjects({
      kind: "sharedRegistry: {}\n",
      "cloud-provider-kind": "sharedRegistry:\n  writers: group:k8s-infra-staging-kind@kubernetes.io\n",
      charts: "sharedRegistry:\n  writers: group:k8s-infra-release-admins@kubernetes.io\n",
    });
    expect(nonGrantChildrenOf(resources, S)).toEqual(
      [
        `gcp:organizations/project:Project ${S}/project`,
        `gcp:projects/service:Service ${S}/api/artifactregistry.googleapis.com`,
        `gcp:projects/service:Service ${S}/api/cloudbuild.googleapis.com`,
        `gcp:storage/bucket:Bucket ${S}/gcb-bucket`,
      ].sort(),
    );
    expect(grantsOf(resources, S)).toEqual(
      [
        `project ${S} roles/cloudbuild.builds.editor = [${PROW}]`,
        `project ${S} roles/owner = [group:k8s-infra-release-admins@kubernetes.io]`,
        // Every registry's writers, each once (two registries share the kind group).
        `project ${S} roles/viewer = [group:k8s-infra-release-admins@kubernetes.io, group:k8s-infra-staging-kind@kubernetes.io]`,
        `bucket ${S}-gcb roles/storage.admin ${PROW}`,
        `bucket ${S}-gcb roles/storage.admin principalSet://iam.googleapis.com/projects/180382678033/locations/global/workloadIdentityPools/k8s-infra-prow-build-trusted.svc.id.goog/namespace/test-pods`,
        `bucket ${S}-gcb roles/storage.admin principalSet://cloudresourcemanager.googleapis.com/projects/787629567722/type/ServiceAccount`,
      ].sort(),
    );
    const byName = new Map(resources.map((r) => [r.name, r]));
    expect(byName.get(`${S}/project`)!.inputs).toEqual({
      projectId: S,
      name: S,
      folderId: "713040427754",
      billingAccount: "018801-93540E-22A20E",
      autoCreateNetwork: true,
      deletionPolicy: "PREVENT",
    });
    expect(byName.get(`${S}/gcb-bucket`)!.inputs).toEqual({
      project: S,
      name: `${S}-gcb`,
      location: "US",
      uniformBucketLevelAccess: true,
      versioning: { enabled: true },
      forceDestroy: false,
      deletionPolicy: "PREVENT",
      lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 90, withState: "ANY" } }],
    });
    expect(byName.get(`${S}/api/cloudbuild.googleapis.com`)!.inputs).toMatchObject({ disableOnDestroy: false });
  });
});

describe("k8s-staging-kubernetes", () => {
  const K = "k8s-staging-kubernetes";
  test("is the parity table's release project plus what kubernetes.tf declares: folder, the whole bindings, the registry writer", async () => {
    const resources = await planProjects({ kubernetes: readFileSync("projects/kubernetes.yaml", "utf8") });
    expect(resources.find((r) => r.name === `${K}/project`)!.inputs).toMatchObject({ folderId: "713040427754" });
    expect(resources.find((r) => r.name === `${K}/project`)!.inputs["orgId"]).toBeUndefined();
    const grants = grantsOf(resources, K);
    const G = "group:k8s-infra-staging-kubernetes@kubernetes.io";
    const A = "group:k8s-infra-artifact-admins@kubernetes.io";
    // The roles kubernetes.tf holds authoritatively: one binding each, every member of kubernetes.tf and of the parity table.
    expect(grants.filter((g) => g.includes(" = ["))).toEqual([
      `project ${K} roles/cloudbuild.builds.editor = [${G}, serviceAccount:615281671549@cloudbuild.gserviceaccount.com, ${PROW}, serviceAccount:gcb-image-builder@${K}.iam.gserviceaccount.com]`,
      `project ${K} roles/owner = [group:k8s-infra-release-admins@kubernetes.io]`,
      `project ${K} roles/viewer = [${A}, group:k8s-infra-release-editors@kubernetes.io, group:k8s-infra-release-viewers@kubernetes.io, ${G}]`,
    ]);
    // The parity table's other project grants stay additive: no role is declared both ways.
    expect(grants.filter((g) => g.startsWith(`project ${K} `) && !g.includes(" = ["))).toEqual([
      `project ${K} roles/cloudbuild.builds.builder ${PROW}`,
      `project ${K} roles/containeranalysis.occurrences.viewer serviceAccount:k8s-infra-gcr-vuln-scanning@k8s-artifacts-prod.iam.gserviceaccount.com`,
      `project ${K} roles/serviceusage.serviceUsageConsumer ${G}`,
    ]);
    expect(grants.filter((g) => g.startsWith(`registry ${K}/us/gcr.io `))).toEqual(
      [
        "roles/artifactregistry.reader allUsers",
        `roles/artifactregistry.repoAdmin ${G}`,
        `roles/artifactregistry.admin ${A}`,
        "roles/artifactregistry.reader serviceAccount:k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com",
        "roles/artifactregistry.admin group:k8s-infra-release-admins@kubernetes.io",
        "roles/artifactregistry.admin serviceAccount:648026197307@cloudbuild.gserviceaccount.com",
        "roles/artifactregistry.repoAdmin group:k8s-infra-release-editors@kubernetes.io",
        "roles/artifactregistry.writer serviceAccount:304687256732@cloudbuild.gserviceaccount.com",
      ]
        .map((grant) => `registry ${K}/us/gcr.io ${grant}`)
        .sort(),
    );
    // kubernetes.tf's 90-day cleanup, not a dry run.
    expect(resources.find((r) => r.name === `${K}/registry/us/gcr.io`)!.inputs).toMatchObject({ cleanupPolicyDryRun: false, cleanupPolicies: CLEANUP });
    expect(mixedOwnership(resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs })))).toEqual([]);
  });
});

describe("a subproject with both kinds, and a move", () => {
  test("both are declared side by side and neither changes the other's resources", async () => {
    const both = await planProjects({ kind: "sharedRegistry: {}\ndedicatedProject: {}\n" });
    const shared = await planProjects({ kind: "sharedRegistry: {}\n" });
    const legacy = await planProjects({ kind: dedicated() });
    expectRegistry(both, "kind", "group:k8s-infra-staging-kind@kubernetes.io", false);
    const of = (resources: readonly PlannedResource[], parent: string) => resources.filter((r) => r.parent === parent);
    expect(of(both, "k8s-staging-kind")).toEqual(of(legacy, "k8s-staging-kind"));
    expect(of(both, `${S}/kind`)).toEqual(of(shared, `${S}/kind`));
  });

  test("moving to the shared project adds the registry and its build account and removes nothing", async () => {
    const before = await planProjects({ kind: dedicated(), kops: dedicated() });
    const after = await planProjects({ kind: "sharedRegistry: {}\ndedicatedProject: {}\n", kops: dedicated() });
    const diff = diffPlans(before, after);
    expect(diff.removed).toEqual([]);
    expect(diff.added.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `k8s-staging:index:SharedRegistry ${S}/kind`,
        ...expectedRegistry("kind", "", false).children,
        `gcp:artifactregistry/repositoryIamMember:RepositoryIamMember ${S}/kind/repository/artifactregistry.reader/allUsers`,
        `gcp:artifactregistry/repositoryIamMember:RepositoryIamMember ${S}/kind/repository/artifactregistry.writer/group:k8s-infra-staging-kind@kubernetes.io`,
        `gcp:artifactregistry/repositoryIamMember:RepositoryIamMember ${S}/kind/repository/artifactregistry.writer/serviceAccount:kind-sa@${S}.iam.gserviceaccount.com`,
        `gcp:serviceaccount/iAMBinding:IAMBinding ${S}/kind/sa/serviceAccountUser`,
        `gcp:serviceaccount/iAMMember:IAMMember ${S}/kind/sa/serviceAccountTokenCreator/serviceAccount:kind-sa@${S}.iam.gserviceaccount.com`,
        // The shared project's viewer binding did not exist (no registry had writers yet).
        `gcp:projects/iAMBinding:IAMBinding ${S}/iam/viewer`,
      ].sort(),
    );
    expect(diff.changed).toEqual([]);
  });
});

describe("the shipped list", () => {
  let resources: readonly PlannedResource[];
  beforeAll(async () => {
    const { config, entries } = await loadStagingInputs(defaultProgramInputs("prod"));
    resources = (await planProgram(async () => declareStagingInfrastructure(config, entries))).resources;
  });

  test("declares, for every registry of the corpus's registries.tf, what that file declares plus the token creator", () => {
    const registries = corpusRegistries();
    expect(registries).toHaveLength(40);
    for (const { name, writers, dryRun } of registries) expectRegistry(resources, name, writers, dryRun);
    expect(resources.filter((r) => r.type === "k8s-staging:index:SharedRegistry")).toHaveLength(40);
    // iam.tf: viewer = every writers group of registries.tf, each once.
    const viewers = [...new Set(registries.map((registry) => registry.writers))].sort();
    expect(resources.find((r) => r.name === `${S}/iam/viewer`)!.inputs["members"]).toEqual(viewers);
  });

  test("every dedicated project still has every grant of the parity table", () => {
    const projects = resources.filter((r) => r.type === "k8s-staging:index:StagingProject").map((r) => r.name);
    expect(projects).toHaveLength(82);
    for (const project of projects) {
      const name = project.slice("k8s-staging-".length);
      const G = `group:k8s-infra-staging-${name}@kubernetes.io`;
      // Who holds a project role, from members and bindings alike.
      const holders = new Set(
        resources
          .filter((r) => r.parent === project && r.type.startsWith("gcp:projects/iAM"))
          .flatMap((r) => ((r.inputs["members"] as string[] | undefined) ?? [r.inputs["member"] as string]).map((m) => `${r.inputs["role"]} ${m}`)),
      );
      for (const grant of [
        `roles/viewer ${G}`,
        `roles/cloudbuild.builds.editor ${G}`,
        `roles/serviceusage.serviceUsageConsumer ${G}`,
        "roles/viewer group:k8s-infra-artifact-admins@kubernetes.io",
        "roles/containeranalysis.occurrences.viewer serviceAccount:k8s-infra-gcr-vuln-scanning@k8s-artifacts-prod.iam.gserviceaccount.com",
        `roles/cloudbuild.builds.builder ${PROW}`,
        `roles/cloudbuild.builds.editor serviceAccount:gcb-image-builder@${project}.iam.gserviceaccount.com`,
      ]) {
        expect([project, holders.has(grant)]).toEqual([project, true]);
      }
      const main = resources.find((r) => r.name === `${project}/registry/us/gcr.io`)!;
      expect(main.import).toBe(`projects/${project}/locations/us/repositories/gcr.io`);
      expect(main.inputs["vulnerabilityScanningConfig"]).toEqual({ enablementConfig: "DISABLED" });
    }
  });

  test("no role is declared both additively and authoritatively anywhere", () => {
    expect(mixedOwnership(resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs })))).toEqual([]);
    expect(resources.filter((r) => r.type.endsWith("Binding")).length).toBeGreaterThan(40);
  });
});
