import { readFileSync } from "node:fs";
import { InvalidInputError } from "../../lib/diagnostics/problem";
import { loadStackConfig, parseStackConfig } from "../../lib/stack-config/load-stack-config";

const projectText = readFileSync("Pulumi.yaml", "utf8");
const prodText = readFileSync("Pulumi.prod.yaml", "utf8");
const project = { file: "Pulumi.yaml", text: projectText };
const stack = (text: string) => ({ file: "Pulumi.test.yaml", text });
const prodWith = (line: string) => stack(`${prodText.replace(/\n$/, "")}\n${line}\n`);
const problemsOf = (projectFile: { file: string; text: string }, stackFile: { file: string; text: string }): string => {
  try {
    parseStackConfig(projectFile, stackFile);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
  throw new Error("expected invalid input");
};
const prodLines = prodText.split("\n").length - 1;

describe("stack config", () => {
  test("loads the prod values of the parity table, defaults applied", async () => {
    const config = await loadStackConfig("Pulumi.yaml", "Pulumi.prod.yaml");
    expect(config).toMatchObject({
      organizationId: "758905017065",
      folderId: "",
      billingAccount: "018801-93540E-22A20E",
      domain: "kubernetes.io",
      artifactAdminsGroup: "k8s-infra-artifact-admins@kubernetes.io",
      vulnerabilityScanner: "k8s-infra-gcr-vuln-scanning@k8s-artifacts-prod.iam.gserviceaccount.com",
      prowImageBuilder: "gcb-builder@k8s-infra-prow-build-trusted.iam.gserviceaccount.com",
      promoterProject: "k8s-artifacts-prod",
      promoterAccountId: "k8s-infra-gcr-promoter",
      registryLocation: "us",
      registryRepositoryId: "gcr.io",
      bucketLocation: "US",
      bucketObjectAgeDays: 60,
      accessLogBucket: "k8s-infra-artifacts-gcslogs",
      manageWritersGroups: false,
    });
    expect(config.apis).toHaveLength(13);
    expect(config.apis).not.toEqual(expect.arrayContaining(["containeranalysis.googleapis.com"]));
    expect(config.productionRegistries).toHaveLength(22);
    expect(config.productionRegistries[0]).toEqual({
      address: "asia-east1-docker.pkg.dev/k8s-artifacts-prod/images",
      project: "k8s-artifacts-prod",
      location: "asia-east1",
      repositoryId: "images",
    });
  });

  test.each([
    ["a wrong type", "  k8s-staging:bucketObjectAgeDays: sixty", `Pulumi.test.yaml:${prodLines + 1}:36: config["k8s-staging:bucketObjectAgeDays"]: expected number, received string`],
    ["an unknown key", "  k8s-staging:colour: blue", `Pulumi.test.yaml:${prodLines + 1}:3: config["k8s-staging:colour"]: unknown key`],
    [
      "groups without a customer",
      "  k8s-staging:manageWritersGroups: true",
      `Pulumi.test.yaml:${prodLines + 1}:36: config["k8s-staging:manageWritersGroups"]: requires "k8s-staging:cloudIdentityCustomerId"`,
    ],
    ["a duplicate key", "  k8s-staging:domain: k8s.io", `Pulumi.test.yaml:${prodLines + 1}:3: config["k8s-staging:domain"]: duplicate key (first on line 5)`],
  ])("reports %s at its position", (_, line, expected) => {
    expect(problemsOf(project, prodWith(line))).toBe(expected);
  });

  test("reports a bad email", () => {
    const text = prodText.replace("artifactAdminsGroup: k8s-infra-artifact-admins@kubernetes.io", "artifactAdminsGroup: admins");
    expect(problemsOf(project, stack(text))).toBe(
      'Pulumi.test.yaml:6:36: config["k8s-staging:artifactAdminsGroup"]: bad email address',
    );
  });

  test("reports a bad production registry inside the list, and leaves other namespaces alone", () => {
    const text = prodText.replace("- us-west2-docker.pkg.dev/k8s-artifacts-prod/images", "- gcr.io/k8s-artifacts-prod") + "  gcp:project: anything\n";
    expect(problemsOf(project, stack(text))).toBe(
      `Pulumi.test.yaml:${prodLines}:7: config["k8s-staging:productionRegistries"][21]: expected <location>-docker.pkg.dev/<project>/<repository>`,
    );
  });

  test("reports every missing required key at once", () => {
    expect(problemsOf(project, stack("config:\n  k8s-staging:domain: kubernetes.io\n")).split("\n")).toEqual(
      [
        "accessLogBucket",
        "artifactAdminsGroup",
        "billingAccount",
        "organizationId",
        "productionRegistries",
        "promoterAccounts",
        "promoterProject",
        "promoterWorkloadIdentityUsers",
        "prowImageBuilder",
        "prowWorkloadIdentityPool",
        "sharedBuildBucketAdmins",
        "sharedProjectOwners",
        "vulnerabilityScanner",
      ].map((key) => `Pulumi.test.yaml:1:1: config: "k8s-staging:${key}" is required`),
    );
  });

  test("reports a bad default and an undeclared key in Pulumi.yaml", () => {
    const broken = projectText.replace("    default: 60", "    default: -1").replace(/  manageWritersGroups:\n(    .*\n)+/, "");
    expect(problemsOf({ file: "Pulumi.yaml", text: broken }, stack(prodText)).split("\n")).toEqual([
      'Pulumi.yaml:10:1: config: "manageWritersGroups" is not declared',
      expect.stringMatching(/^Pulumi\.yaml:\d+:14: config\.bucketObjectAgeDays\.default: expected a positive number of days$/),
    ]);
  });

  test("reads the promoter accounts and the shared project's settings", async () => {
    const config = await loadStackConfig("Pulumi.yaml", "Pulumi.prod.yaml");
    expect(config.promoterAccounts).toEqual([
      { accountId: "k8s-infra-gcr-promoter", displayName: "k8s-infra container image promoter" },
      { accountId: "k8s-infra-image-promotion", displayName: "k8s-infra image promotion" },
    ]);
    expect(config.promoterWorkloadIdentityUsers).toEqual([
      { accountId: "k8s-infra-gcr-promoter", namespace: "test-pods", kubernetesServiceAccount: "k8s-infra-gcr-promoter" },
      { accountId: "k8s-infra-gcr-promoter", namespace: "test-pods", kubernetesServiceAccount: "s3-sync" },
      { accountId: "k8s-infra-image-promotion", namespace: "test-pods", kubernetesServiceAccount: "k8s-infra-image-promotion" },
    ]);
    expect(config).toMatchObject({
      sharedProject: "k8s-staging-images",
      sharedProjectFolderId: "713040427754",
      sharedProjectApis: ["artifactregistry.googleapis.com", "cloudbuild.googleapis.com"],
      sharedProjectOwners: ["group:k8s-infra-release-admins@kubernetes.io"],
      sharedRegistryLocation: "us-central1",
      sharedBuildBucketLocation: "US",
      sharedBuildBucketObjectAgeDays: 90,
      cleanupOlderThanDays: 90,
    });
  });

  test.each([
    [
      "a promoter account without a display name",
      (text: string) => text.replace("- k8s-infra-image-promotion=k8s-infra image promotion", "- k8s-infra-image-promotion"),
      /^Pulumi\.test\.yaml:13:7: config\["k8s-staging:promoterAccounts"\]\[1\]: expected "<account id>=<display name>"/,
    ],
    [
      "a pod identity of an undeclared account",
      (text: string) => text.replace("- k8s-infra-gcr-promoter=test-pods/s3-sync", "- k8s-infra-s3-sync=test-pods/s3-sync"),
      /^Pulumi\.test\.yaml:16:7: config\["k8s-staging:promoterWorkloadIdentityUsers"\]\[1\]: "k8s-infra-s3-sync" is not one of "k8s-staging:promoterAccounts"$/,
    ],
    [
      "an account nothing may act as",
      (text: string) => text.replace("    - k8s-infra-image-promotion=test-pods/k8s-infra-image-promotion\n", ""),
      /^Pulumi\.test\.yaml:13:7: config\["k8s-staging:promoterAccounts"\]\[1\]: "k8s-infra-image-promotion" has no entry in "k8s-staging:promoterWorkloadIdentityUsers"; nothing could act as it$/,
    ],
    [
      "a promoter account id the accounts do not list",
      (text: string) => `${text}  k8s-staging:promoterAccountId: k8s-infra-other\n`,
      /^Pulumi\.test\.yaml:\d+:34: config\["k8s-staging:promoterAccountId"\]: "k8s-infra-other" is not one of "k8s-staging:promoterAccounts"$/,
    ],
    [
      "a bad owner member",
      (text: string) => text.replace("- group:k8s-infra-release-admins@kubernetes.io", "- k8s-infra-release-admins@kubernetes.io"),
      /^Pulumi\.test\.yaml:22:7: config\["k8s-staging:sharedProjectOwners"\]\[0\]: expected an IAM member/,
    ],
    [
      "a bad pool",
      (text: string) => text.replace("workloadIdentityPools/k8s-infra", "pools/k8s-infra"),
      /^Pulumi\.test\.yaml:18:41: config\["k8s-staging:prowWorkloadIdentityPool"\]: expected projects\/<number>\/locations\/global\/workloadIdentityPools\/<pool>$/,
    ],
  ])("reports %s at its position", (_, edit, expected) => {
    expect(problemsOf(project, stack(edit(prodText)))).toMatch(expected);
  });

  test("fails with the fs error when a file is missing", async () => {
    await expect(loadStackConfig("Pulumi.yaml", "Pulumi.missing.yaml")).rejects.toThrow("ENOENT");
  });
});
