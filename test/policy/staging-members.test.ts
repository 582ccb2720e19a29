import { STAGING_PROJECT_TYPE as PROGRAM_STAGING_PROJECT_TYPE } from "../../lib/provision/staging-project";
import { PROD_STAGING_MEMBERS, stagingMembersConfig } from "../../policy/staging-members-config";
import { STAGING_PROJECT_TYPE } from "../../policy/staging-components";
import { isAllowedStagingMember, stagingMembers, stagingProjectOf } from "../../policy/staging-members";
import { componentUrn, violationsOf } from "./validation-args";

const kind = componentUrn(STAGING_PROJECT_TYPE, "k8s-staging-kind");
const PROJECT_IAM = "gcp:projects/iAMMember:IAMMember";

test("the pack's StagingProject type token is the program's", () => {
  expect(STAGING_PROJECT_TYPE).toBe(PROGRAM_STAGING_PROJECT_TYPE);
});

describe("stagingProjectOf", () => {
  test.each([
    [kind, "k8s-staging-kind"],
    [`urn:pulumi:prod::k8s-staging::outer:index:Wrapper$${STAGING_PROJECT_TYPE}::k8s-staging-kind`, "k8s-staging-kind"],
    [componentUrn("k8s-staging:index:Promoter", "promoter"), undefined],
    ["not-a-urn", undefined],
    [undefined, undefined],
  ])("%s → %s", (urn, expected) => {
    expect(stagingProjectOf(urn)).toBe(expected);
  });
});

describe("isAllowedStagingMember in k8s-staging-kind", () => {
  test.each([
    ["group:k8s-infra-staging-kind@kubernetes.io", true],
    ["group:k8s-infra-artifact-admins@kubernetes.io", true],
    ["group:k8s-infra-release-viewers@kubernetes.io", true],
    ["serviceAccount:gcb-image-builder@k8s-staging-kind.iam.gserviceaccount.com", true],
    ["serviceAccount:k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com", true],
    ["serviceAccount:k8s-infra-prow-build-trusted.svc.id.goog[test-pods/gcb-builder-kind]", true],
    ["allUsers", true],
    ["group:k8s-infra-staging-kops@kubernetes.io", false],
    ["group:k8s-infra-staging-kind@example.com", false],
    ["serviceAccount:gcb-image-builder@k8s-staging-kops.iam.gserviceaccount.com", false],
    ["serviceAccount:someone@evil-project.iam.gserviceaccount.com", false],
    ["serviceAccount:evil-project.svc.id.goog[default/x]", false],
    ["user:someone@kubernetes.io", false],
    ["domain:kubernetes.io", false],
  ])("%s → %s", (member, allowed) => {
    expect(isAllowedStagingMember(member, "k8s-staging-kind", PROD_STAGING_MEMBERS)).toBe(allowed);
  });
});

describe("stagingMembersConfig", () => {
  test("fills the production defaults under the configured keys", () => {
    expect(stagingMembersConfig({ adminGroups: ["admins@example.com"] })).toEqual({ ...PROD_STAGING_MEMBERS, adminGroups: ["admins@example.com"] });
  });

  test.each([
    [{ adminGroups: "admins@example.com" }, "policy config adminGroups: expected a list of strings"],
    [{ workloadIdentityPools: [1] }, "policy config workloadIdentityPools: expected a list of strings"],
    [{ writersGroupDomain: ["kubernetes.io"] }, "policy config writersGroupDomain: expected a string"],
  ])("rejects %j", (configured, message) => {
    expect(() => stagingMembersConfig(configured)).toThrow(message);
  });
});

describe("staging-iam-members", () => {
  test.each([
    [PROJECT_IAM, { role: "roles/viewer", member: "group:k8s-infra-staging-kind@kubernetes.io" }, kind],
    ["gcp:storage/bucketIAMMember:BucketIAMMember", { role: "roles/storage.objectViewer", member: "allUsers" }, kind],
    // Outside a staging project (the promoter's grants on production) the policy does not apply.
    [PROJECT_IAM, { role: "roles/owner", member: "user:x@example.com" }, componentUrn("k8s-staging:index:Promoter", "promoter")],
    [PROJECT_IAM, { role: "roles/owner", member: "user:x@example.com" }, undefined],
  ])("passes %s %j under %s", async (type, props, parentUrn) => {
    expect(await violationsOf(stagingMembers, { type, name: "g", props, ...(parentUrn ? { parentUrn } : {}) })).toEqual([]);
  });

  test.each([
    [
      { role: "roles/owner", member: "user:x@example.com" },
      {},
      "user:x@example.com must not get roles/owner in k8s-staging-kind: only the project's writers group and service accounts, the admin groups and the allowed service accounts of the policy config may",
    ],
    [
      { role: "roles/viewer", member: "group:k8s-infra-staging-kops@kubernetes.io" },
      {},
      "group:k8s-infra-staging-kops@kubernetes.io must not get roles/viewer in k8s-staging-kind: only the project's writers group and service accounts, the admin groups and the allowed service accounts of the policy config may",
    ],
    [
      { role: "roles/viewer", member: "group:k8s-infra-artifact-admins@kubernetes.io" },
      { adminGroups: ["other-admins@kubernetes.io"] },
      "group:k8s-infra-artifact-admins@kubernetes.io must not get roles/viewer in k8s-staging-kind: only the project's writers group and service accounts, the admin groups and the allowed service accounts of the policy config may",
    ],
  ])("reports %j with config %j", async (props, config, message) => {
    expect(await violationsOf(stagingMembers, { type: PROJECT_IAM, name: "g", props, parentUrn: kind, config })).toEqual([message]);
  });

  test("reports every offending member of a binding", async () => {
    const props = { role: "roles/editor", members: ["user:a@example.com", "group:k8s-infra-staging-kind@kubernetes.io", "domain:example.com"] };
    const violations = await violationsOf(stagingMembers, { type: "gcp:projects/iAMBinding:IAMBinding", name: "b", props, parentUrn: kind });
    expect(violations.map((v) => v.split(" ")[0])).toEqual(["user:a@example.com", "domain:example.com"]);
  });

  test("a malformed policy config fails the validation instead of allowing everything", async () => {
    const sample = { type: PROJECT_IAM, name: "g", props: { role: "roles/viewer", member: "allUsers" }, parentUrn: kind, config: { serviceAccounts: "x" } };
    await expect(violationsOf(stagingMembers, sample)).rejects.toThrow("policy config serviceAccounts: expected a list of strings");
  });
});
