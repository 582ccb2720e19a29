import { iamGrantOf, isReadOnlyRole } from "../../policy/iam-grants";
import { noPublicWrite } from "../../policy/no-public-write";
import { violationsOf } from "./validation-args";

describe("isReadOnlyRole", () => {
  test.each([
    ["roles/viewer", true],
    ["roles/storage.objectViewer", true],
    ["roles/artifactregistry.reader", true],
    ["roles/storage.legacyBucketReader", true],
    ["roles/containeranalysis.occurrences.viewer", true],
    ["roles/artifactregistry.writer", false],
    ["roles/storage.objectAdmin", false],
    ["roles/storage.legacyBucketWriter", false],
    ["roles/editor", false],
    ["roles/owner", false],
    ["roles/iam.securityReviewer", false],
    ["roles/browser", false],
    // Custom roles: their permissions are not visible here, so they count as write roles.
    ["projects/k8s-staging-kind/roles/myViewer", false],
    ["organizations/758905017065/roles/reader", false],
  ])("%s → %s", (role, readOnly) => {
    expect(isReadOnlyRole(role)).toBe(readOnly);
  });
});

describe("iamGrantOf", () => {
  test.each([
    ["gcp:projects/iAMMember:IAMMember", { role: "roles/viewer", member: "allUsers" }, { role: "roles/viewer", members: ["allUsers"] }],
    [
      "gcp:storage/bucketIAMBinding:BucketIAMBinding",
      { role: "roles/storage.objectAdmin", members: ["allUsers", "group:a@b.io"] },
      { role: "roles/storage.objectAdmin", members: ["allUsers", "group:a@b.io"] },
    ],
    ["gcp:secretmanager/secretIamMember:SecretIamMember", { role: "roles/x", member: "user:a@b.io" }, { role: "roles/x", members: ["user:a@b.io"] }],
    ["gcp:storage/bucket:Bucket", { role: "roles/viewer", member: "allUsers" }, undefined],
    ["gcp:projects/iAMMember:IAMMember", { member: "allUsers" }, undefined],
  ])("%s %j", (type, props, expected) => {
    expect(iamGrantOf(type, props)).toEqual(expected);
  });
});

describe("no-public-write", () => {
  test.each([
    ["gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "roles/artifactregistry.reader", "allUsers"],
    ["gcp:storage/bucketIAMMember:BucketIAMMember", "roles/storage.objectViewer", "allUsers"],
    ["gcp:storage/bucketIAMMember:BucketIAMMember", "roles/storage.objectAdmin", "group:k8s-infra-staging-kind@kubernetes.io"],
  ])("passes %s %s to %s", async (type, role, member) => {
    expect(await violationsOf(noPublicWrite, { type, name: "g", props: { role, member } })).toEqual([]);
  });

  test.each([
    [
      "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
      { role: "roles/artifactregistry.writer", member: "allUsers" },
      ["allUsers must not get roles/artifactregistry.writer: the public may only hold read-only roles"],
    ],
    [
      "gcp:projects/iAMMember:IAMMember",
      { role: "roles/editor", member: "allAuthenticatedUsers" },
      ["allAuthenticatedUsers must not get roles/editor: the public may only hold read-only roles"],
    ],
    [
      "gcp:storage/bucketIAMBinding:BucketIAMBinding",
      { role: "roles/storage.objectAdmin", members: ["allUsers", "group:a@kubernetes.io", "allAuthenticatedUsers"] },
      [
        "allUsers must not get roles/storage.objectAdmin: the public may only hold read-only roles",
        "allAuthenticatedUsers must not get roles/storage.objectAdmin: the public may only hold read-only roles",
      ],
    ],
  ])("reports %s %j", async (type, props, expected) => {
    expect(await violationsOf(noPublicWrite, { type, name: "g", props })).toEqual(expected);
  });
});
