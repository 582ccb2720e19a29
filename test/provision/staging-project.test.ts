import { readFileSync } from "node:fs";
import { ChildNames } from "../../lib/provision/child-names";
import { dedicated, grantsOf, nonGrantChildrenOf, planProjects, prodConfig } from "./plan-helpers";

const P = "k8s-staging-kind";
const G = "group:k8s-infra-staging-kind@kubernetes.io";
const A = "group:k8s-infra-artifact-admins@kubernetes.io";
const PROW = "serviceAccount:gcb-builder@k8s-infra-prow-build-trusted.iam.gserviceaccount.com";
const IMAGE_BUILDER = `serviceAccount:gcb-image-builder@${P}.iam.gserviceaccount.com`;
const PROMOTER = "serviceAccount:k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com";
const REGISTRY = `registry ${P}/us/gcr.io`;

/** The parity table for a plain project, written out independently of the code. */
const PLAIN_GRANTS = [
  `project ${P} roles/viewer ${G}`,
  `project ${P} roles/cloudbuild.builds.editor ${G}`,
  `project ${P} roles/serviceusage.serviceUsageConsumer ${G}`,
  `project ${P} roles/viewer ${A}`,
  `project ${P} roles/containeranalysis.occurrences.viewer serviceAccount:k8s-infra-gcr-vuln-scanning@k8s-artifacts-prod.iam.gserviceaccount.com`,
  `project ${P} roles/cloudbuild.builds.builder ${PROW}`,
  `project ${P} roles/cloudbuild.builds.editor ${IMAGE_BUILDER}`,
  `${REGISTRY} roles/artifactregistry.reader allUsers`,
  `${REGISTRY} roles/artifactregistry.repoAdmin ${G}`,
  `${REGISTRY} roles/artifactregistry.admin ${A}`,
  `${REGISTRY} roles/artifactregistry.reader ${PROMOTER}`,
  ...[P, `${P}-gcb`].flatMap((bucket) => [
    `bucket ${bucket} roles/storage.objectViewer allUsers`,
    `bucket ${bucket} roles/storage.objectAdmin ${G}`,
    `bucket ${bucket} roles/storage.legacyBucketWriter ${G}`,
    `bucket ${bucket} roles/storage.objectAdmin ${A}`,
    `bucket ${bucket} roles/storage.legacyBucketOwner ${A}`,
  ]),
  `bucket ${P}-gcb roles/storage.objectCreator ${PROW}`,
  `bucket ${P}-gcb roles/storage.objectViewer ${PROW}`,
  `sa projects/${P}/serviceAccounts/gcb-image-builder@${P}.iam.gserviceaccount.com roles/iam.serviceAccountTokenCreator ${IMAGE_BUILDER}`,
].sort();

const APIS = [
  "artifactregistry", "cloudasset", "cloudbuild", "cloudkms", "containerregistry", "iam", "iamcredentials",
  "logging", "policytroubleshooter", "pubsub", "secretmanager", "storage-api", "storage-component",
];

describe("StagingProject", () => {
  test("a plain project gets exactly the parity table's children and grants", async () => {
    const resources = await planProjects({ kind: "# plain\ndedicatedProject: {}\n" });
    expect(nonGrantChildrenOf(resources, P)).toEqual(
      [
        `gcp:organizations/project:Project ${P}/project`,
        ...APIS.map((api) => `gcp:projects/service:Service ${P}/api/${api}.googleapis.com`),
        `gcp:artifactregistry/repository:Repository ${P}/registry/us/gcr.io`,
        `gcp:storage/bucket:Bucket ${P}/bucket`,
        `gcp:storage/bucket:Bucket ${P}/gcb-bucket`,
        `gcp:serviceaccount/account:Account ${P}/sa/gcb-image-builder`,
      ].sort(),
    );
    expect(grantsOf(resources, P)).toEqual(PLAIN_GRANTS);
    const byName = new Map(resources.map((r) => [r.name, r]));
    expect(byName.get(`${P}/project`)!.inputs).toEqual({
      projectId: P,
      name: P,
      orgId: "758905017065",
      billingAccount: "018801-93540E-22A20E",
      autoCreateNetwork: false,
      deletionPolicy: "PREVENT",
    });
    const repository = byName.get(`${P}/registry/us/gcr.io`)!;
    expect(repository.inputs).toEqual({
      project: P,
      location: "us",
      repositoryId: "gcr.io",
      format: "DOCKER",
      description: `Staging images of ${P}, pushed to gcr.io/${P}`,
      vulnerabilityScanningConfig: { enablementConfig: "DISABLED" },
      cleanupPolicyDryRun: false,
      cleanupPolicies: [{ id: "delete-images-older-than-90-days", action: "DELETE", condition: { olderThan: "7776000s" } }],
    });
    // Google's GCR migration created it: pulumi up may import it, never create it.
    expect(repository.import).toBe(`projects/${P}/locations/us/repositories/gcr.io`);
    expect(byName.get(`${P}/bucket`)!.inputs).toEqual({
      project: P,
      name: P,
      location: "US",
      uniformBucketLevelAccess: true,
      forceDestroy: false,
      deletionPolicy: "PREVENT",
      lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 60} }],
      logging: { logBucket: "k8s-infra-artifacts-gcslogs", logObjectPrefix: P },
    });
    expect(byName.get(`${P}/gcb-bucket`)!.inputs["logging"]).toBeUndefined();
    expect(byName.get(`${P}/api/iam.googleapis.com`)!.inputs).toEqual({
      project: P,
      service: "iam.googleapis.com",
      disableOnDestroy: false,
      disableDependentServices: false,
    });
    expect(byName.get(P)).toEqual({ type: "k8s-staging:index:StagingProject", name: P, parent: null, inputs: {} });
  });

  const release = (name: string) => [
    `project k8s-staging-${name} roles/viewer group:k8s-infra-release-viewers@kubernetes.io`,
    `registry k8s-staging-${name}/us/gcr.io roles/artifactregistry.admin group:k8s-infra-release-admins@kubernetes.io`,
    `registry k8s-staging-${name}/us/gcr.io roles/artifactregistry.repoAdmin group:k8s-infra-release-editors@kubernetes.io`,
  ];
  const gcbBuilder = (name: string, prow: string) => {
    const p = `k8s-staging-${name}`;
    const sa = `serviceAccount:gcb-builder-${name}@${p}.iam.gserviceaccount.com`;
    return [
      `project ${p} roles/cloudbuild.builds.builder ${sa}`,
      `registry ${p}/us/gcr.io roles/artifactregistry.writer ${sa}`,
      ...[p, `${p}-gcb`].flatMap((b) => [`bucket ${b} roles/storage.objectCreator ${sa}`, `bucket ${b} roles/storage.objectViewer ${sa}`]),
      `sa projects/${p}/serviceAccounts/gcb-builder-${name}@${p}.iam.gserviceaccount.com roles/iam.workloadIdentityUser serviceAccount:${prow}.svc.id.goog[test-pods/gcb-builder-${name}]`,
    ];
  };
  const kms = (name: string, cloudBuild: string) => [
    `project k8s-staging-${name} roles/cloudkms.admin group:k8s-infra-staging-${name}@kubernetes.io`,
    `project k8s-staging-${name} roles/cloudkms.cryptoKeyEncrypter group:k8s-infra-staging-${name}@kubernetes.io`,
    `project k8s-staging-${name} roles/cloudkms.cryptoKeyDecrypter serviceAccount:${cloudBuild}@cloudbuild.gserviceaccount.com`,
    `project k8s-staging-${name} roles/secretmanager.secretAccessor serviceAccount:${cloudBuild}@cloudbuild.gserviceaccount.com`,
  ];

  // Each shipped special case: the exact grants it has beyond a plain project of the same name.
  test.each([
    ["build-image", release("build-image")],
    [
      "ci-images",
      [...release("ci-images"), "registry k8s-staging-ci-images/us/gcr.io roles/artifactregistry.writer serviceAccount:prow-build@k8s-infra-prow-build.iam.gserviceaccount.com"],
    ],
    ["releng-test", [...release("releng-test"), ...gcbBuilder("releng-test", "k8s-infra-prow-build")]],
    [
      "cluster-api-gcp",
      [
        ...gcbBuilder("cluster-api-gcp", "k8s-infra-prow-build-trusted"),
        "project k8s-staging-cluster-api-gcp roles/compute.instanceAdmin.v1 serviceAccount:gcb-builder-cluster-api-gcp@k8s-staging-cluster-api-gcp.iam.gserviceaccount.com",
        "sa projects/k8s-staging-cluster-api-gcp/serviceAccounts/gcb-builder-cluster-api-gcp@k8s-staging-cluster-api-gcp.iam.gserviceaccount.com roles/iam.serviceAccountUser serviceAccount:gcb-builder-cluster-api-gcp@k8s-staging-cluster-api-gcp.iam.gserviceaccount.com",
      ],
    ],
    ["sig-storage", []],
    ["kustomize", kms("kustomize", "660796270509")],
    ["krm-functions", kms("krm-functions", "415435679132")],
  ])("shipped special case %s has exactly its extra grants", async (name, extras) => {
    const resources = await planProjects({ [name]: readFileSync(`projects/${name}.yaml`, "utf8"), plain: dedicated() });
    const plain = grantsOf(resources, "k8s-staging-plain").map((g) =>
      g.replaceAll("k8s-staging-plain", `k8s-staging-${name}`).replaceAll("k8s-infra-staging-plain@", `k8s-infra-staging-${name}@`),
    );
    const grants = grantsOf(resources, `k8s-staging-${name}`);
    expect(grants).toEqual([...plain, ...extras].sort());
  });

  test.each([
    ["cluster-api-gcp", ["compute", "oslogin"], "gcb-builder-cluster-api-gcp"],
    ["sig-storage", ["compute", "oslogin"], undefined],
    ["releng-test", [], "gcb-builder-releng-test"],
  ])("%s enables its extra APIs and declares its builder account", async (name, apis, account) => {
    const resources = await planProjects({ [name]: readFileSync(`projects/${name}.yaml`, "utf8") });
    const p = `k8s-staging-${name}`;
    const services = resources.filter((r) => r.parent === p && r.type === "gcp:projects/service:Service");
    expect(services.map((r) => r.inputs["service"]).sort()).toEqual([...APIS, ...apis].map((a) => `${a}.googleapis.com`).sort());
    const accounts = resources.filter((r) => r.parent === p && r.type === "gcp:serviceaccount/account:Account");
    expect(accounts.map((r) => r.inputs["accountId"]).sort()).toEqual(["gcb-image-builder", ...(account ? [account] : [])].sort());
  });

  test("an extra registry gets the same grants as the main one, plus a file override of the object age", async () => {
    const resources = await planProjects({ kind: dedicated("registries:\n  - {location: us-central1, repositoryId: images}\nbucketObjectAgeDays: 30\n") });
    const registryGrants = (key: string) =>
      grantsOf(resources, P).filter((g) => g.startsWith(`registry ${P}/${key} `)).map((g) => g.split(" ").slice(2).join(" "));
    expect(registryGrants("us-central1/images")).toEqual(registryGrants("us/gcr.io"));
    expect(registryGrants("us-central1/images")).toHaveLength(4);
    const repository = resources.find((r) => r.name === `${P}/registry/us-central1/images`)!;
    expect(repository.inputs).toMatchObject({ location: "us-central1", repositoryId: "images", format: "DOCKER" });
    // Not a GCR repository: the program may create it.
    expect(repository.import).toBeUndefined();
    const bucket = resources.find((r) => r.name === `${P}/bucket`)!;
    expect(bucket.inputs["lifecycleRules"]).toEqual([{ action: { type: "Delete" }, condition: { age: 30} }]);
  });

  test("the writers group and its members are declared only when the stack manages groups", async () => {
    const file = { kind: dedicated("groupMembers: [alice@example.com, bob@example.com]\n") };
    expect((await planProjects(file)).filter((r) => r.type.startsWith("gcp:cloudidentity"))).toEqual([]);
    const config = { ...prodConfig, manageWritersGroups: true, cloudIdentityCustomerId: "C0abc123" };
    const resources = await planProjects(file, config);
    const group = resources.filter((r) => r.type.startsWith("gcp:cloudidentity")).map((r) => [r.type, r.name, r.inputs]);
    expect(group).toEqual([
      [
        "gcp:cloudidentity/group:Group",
        `${P}/group`,
        {
          parent: "customers/C0abc123",
          groupKey: { id: "k8s-infra-staging-kind@kubernetes.io" },
          displayName: "k8s-infra-staging-kind",
          description: "May push to gcr.io/k8s-staging-kind and write the buckets of k8s-staging-kind",
          labels: { "cloudidentity.googleapis.com/groups.discussion_forum": "" },
        },
      ],
      ...["alice@example.com", "bob@example.com"].map((member) => [
        "gcp:cloudidentity/groupMembership:GroupMembership",
        `${P}/group/member/${member}`,
        { group: `${P}/group-id`, preferredMemberKey: { id: member }, roles: [{ name: "MEMBER" }] },
      ]),
    ]);
  });

  test("a folder replaces the organization as the project's parent", async () => {
    const resources = await planProjects({ kind: dedicated() }, { ...prodConfig, folderId: "123" });
    const project = resources.find((r) => r.name === `${P}/project`)!;
    expect(project.inputs["folderId"]).toBe("123");
    expect(project.inputs["orgId"]).toBeUndefined();
    const own = await planProjects({ kind: dedicated('folderId: "456"\n') }, { ...prodConfig, folderId: "123" });
    expect(own.find((r) => r.name === `${P}/project`)!.inputs["folderId"]).toBe("456");
  });

  test.each([
    ["dry-run", { cleanupPolicyDryRun: true, cleanupPolicies: [expect.objectContaining({ action: "DELETE" })] }],
    ["none", { labels: { "cleanup-policy": "none" } }],
  ])("cleanup: %s applies to every registry of the project", async (cleanup, expected) => {
    const resources = await planProjects({ kind: dedicated(`cleanup: ${cleanup}\nregistries: [{location: us-central1, repositoryId: images}]\n`) });
    const repositories = resources.filter((r) => r.type === "gcp:artifactregistry/repository:Repository" && r.parent === P);
    expect(repositories).toHaveLength(2);
    for (const repository of repositories) {
      expect(repository.inputs).toMatchObject(expected);
      if (cleanup === "none") expect(repository.inputs["cleanupPolicies"]).toBeUndefined();
    }
  });

  test("the stack's cleanupOlderThanDays sets the policy's age", async () => {
    const resources = await planProjects({ kind: dedicated() }, { ...prodConfig, cleanupOlderThanDays: 30 });
    expect(resources.find((r) => r.name === `${P}/registry/us/gcr.io`)!.inputs["cleanupPolicies"]).toEqual([
      { id: "delete-images-older-than-30-days", action: "DELETE", condition: { olderThan: "2592000s" } },
    ]);
  });
});

describe("Promoter", () => {
  const POOL = "principal://iam.googleapis.com/projects/180382678033/locations/global/workloadIdentityPools/k8s-infra-prow-build-trusted.svc.id.goog/subject/ns/test-pods/sa";

  test.each([
    ["k8s-infra-gcr-promoter", "k8s-infra container image promoter", ["k8s-infra-gcr-promoter", "s3-sync"]],
    ["k8s-infra-image-promotion", "k8s-infra image promotion", ["k8s-infra-image-promotion"]],
  ])("%s: the account, its whole Workload Identity binding (as service-acccounts.tf) and write access to production", async (id, displayName, pods) => {
    const resources = await planProjects({ kind: dedicated(), kops: dedicated() });
    const component = `promoter/${id}`;
    expect(nonGrantChildrenOf(resources, component)).toEqual([`gcp:serviceaccount/account:Account ${component}/sa`]);
    expect(resources.find((r) => r.name === `${component}/sa`)!.inputs).toEqual({
      project: "k8s-artifacts-prod",
      accountId: id,
      displayName,
      createIgnoreAlreadyExists: true,
    });
    const email = `${id}@k8s-artifacts-prod.iam.gserviceaccount.com`;
    expect(grantsOf(resources, component)).toEqual(
      [
        `sa projects/k8s-artifacts-prod/serviceAccounts/${email} roles/iam.workloadIdentityUser = [${pods.map((pod) => `${POOL}/${pod}`).join(", ")}]`,
        ...prodConfig.productionRegistries.map(
          (r) => `registry k8s-artifacts-prod/${r.location}/images roles/artifactregistry.repoAdmin serviceAccount:${email}`,
        ),
      ].sort(),
    );
  });

  test("read access to each staging registry lives with that project, for the account the manifests name", async () => {
    const resources = await planProjects({ kind: dedicated(), kops: dedicated() });
    for (const project of ["k8s-staging-kind", "k8s-staging-kops"]) {
      expect(grantsOf(resources, project)).toContain(`registry ${project}/us/gcr.io roles/artifactregistry.reader ${PROMOTER}`);
    }
  });
});

describe("resource names", () => {
  test("a project's child names do not change when other projects are added or re-ordered", async () => {
    const alone = (await planProjects({ kind: dedicated() })).filter((r) => r.parent === P).map((r) => r.name);
    const among = (await planProjects({ zeta: dedicated(), kind: dedicated(), alpha: dedicated() })).filter((r) => r.parent === P).map((r) => r.name);
    expect(among).toEqual(alone);
  });

  test("ChildNames refuses a key twice", () => {
    const names = new ChildNames("k8s-staging-kind");
    expect(names.name("bucket")).toBe("k8s-staging-kind/bucket");
    expect(() => names.name("bucket")).toThrow('duplicate resource name "k8s-staging-kind/bucket"');
  });
});
