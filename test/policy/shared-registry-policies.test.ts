import { buildAccountOf, buildAccountScope } from "../../policy/build-account-scope";
import { mixedOwnership, oneOwnerPerGrant } from "../../policy/one-owner-per-grant";
import { repositoryCleanup } from "../../policy/repository-cleanup";
import { noHumanAdminOnSharedRegistry } from "../../policy/shared-registry-admins";
import { SHARED_REGISTRY_TYPE, STAGING_PROJECT_TYPE } from "../../policy/staging-components";
import { SHARED_REGISTRY_TYPE as PROGRAM_SHARED_REGISTRY_TYPE } from "../../lib/provision/shared-registry";
import { CLEANUP_OPT_OUT_LABEL as PROGRAM_OPT_OUT } from "../../lib/provision/staging-repository";
import { componentUrn, stackViolationsOf, violationsOf } from "./validation-args";

const S = "k8s-staging-images";
const kueue = componentUrn(SHARED_REGISTRY_TYPE, `${S}/kueue`);
const kind = componentUrn(STAGING_PROJECT_TYPE, "k8s-staging-kind");
const REPOSITORY = "gcp:artifactregistry/repository:Repository";
const REPOSITORY_MEMBER = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember";
const KUEUE_SA = `serviceAccount:kueue-sa@${S}.iam.gserviceaccount.com`;
const CLEANUP = [{ id: "delete-images-older-than-90-days", action: "DELETE", condition: { olderThan: "7776000s" } }];

test("the pack's copies of the program's contract match the program", () => {
  expect(SHARED_REGISTRY_TYPE).toBe(PROGRAM_SHARED_REGISTRY_TYPE);
  expect(PROGRAM_OPT_OUT).toEqual({ "cleanup-policy": "none" });
});

describe("staging-repository-cleanup", () => {
  test.each<[string, string | undefined, Record<string, unknown>, string[]]>([
    ["a shared repository with a policy", kueue, { cleanupPolicies: CLEANUP }, []],
    ["a dry run", kueue, { cleanupPolicies: CLEANUP, cleanupPolicyDryRun: true }, []],
    ["the explicit opt-out", kind, { labels: { "cleanup-policy": "none" } }, []],
    [
      "a dedicated repository without a policy",
      kind,
      {},
      ["the staging repository must declare a cleanup policy, or opt out explicitly with the label cleanup-policy: none"],
    ],
    [
      "a shared repository with an empty list",
      kueue,
      { cleanupPolicies: [], labels: { "cleanup-policy": "keep" } },
      ["the staging repository must declare a cleanup policy, or opt out explicitly with the label cleanup-policy: none"],
    ],
    ["a repository outside staging", undefined, {}, []],
  ])("%s", async (_, parentUrn, props, expected) => {
    expect(await violationsOf(repositoryCleanup, { type: REPOSITORY, name: "r", props, ...(parentUrn ? { parentUrn } : {}) })).toEqual(expected);
  });
});

describe("no-human-admin-on-shared-registry", () => {
  const grant = (role: string, member: string, project = S) => ({ project, location: "us-central1", repository: "kueue", role, member });
  test.each<[string, Record<string, unknown>, string | undefined, string[]]>([
    ["a group that writes", grant("roles/artifactregistry.writer", "group:k8s-infra-staging-kueue@kubernetes.io"), kueue, []],
    [
      "a group that administers",
      grant("roles/artifactregistry.repoAdmin", "group:k8s-infra-staging-kueue@kubernetes.io"),
      kueue,
      ["group:k8s-infra-staging-kueue@kubernetes.io must not get roles/artifactregistry.repoAdmin on a shared staging repository: people push (artifactregistry.writer), they do not administer"],
    ],
    [
      "a user that administers, declared outside the component",
      grant("roles/artifactregistry.admin", "user:alice@example.com"),
      undefined,
      ["user:alice@example.com must not get roles/artifactregistry.admin on a shared staging repository: people push (artifactregistry.writer), they do not administer"],
    ],
    ["an automation account that administers", grant("roles/artifactregistry.repoAdmin", KUEUE_SA), kueue, []],
    ["a dedicated project's writers group (the parity table)", grant("roles/artifactregistry.repoAdmin", "group:k8s-infra-staging-kind@kubernetes.io", "k8s-staging-kind"), kind, []],
  ])("%s", async (_, props, parentUrn, expected) => {
    expect(await violationsOf(noHumanAdminOnSharedRegistry, { type: REPOSITORY_MEMBER, name: "g", props, ...(parentUrn ? { parentUrn } : {}) })).toEqual(expected);
  });

  test("the shared project comes from the policy config", async () => {
    const props = grant("roles/artifactregistry.admin", "group:x@example.com", "other-shared");
    expect(await violationsOf(noHumanAdminOnSharedRegistry, { type: REPOSITORY_MEMBER, name: "g", props })).toEqual([]);
    expect(await violationsOf(noHumanAdminOnSharedRegistry, { type: REPOSITORY_MEMBER, name: "g", props, config: { sharedProject: "other-shared" } })).toHaveLength(1);
  });
});

describe("build-account-writes-only-its-own-repository", () => {
  test.each([
    [`serviceAccount:kueue-sa@${S}.iam.gserviceaccount.com`, { accountId: "kueue-sa", email: `kueue-sa@${S}.iam.gserviceaccount.com` }],
    ["serviceAccount:kueue-sa@k8s-staging-kueue.iam.gserviceaccount.com", undefined],
    [`serviceAccount:gcb-image-builder@${S}.iam.gserviceaccount.com`, undefined],
    ["group:kueue-sa@kubernetes.io", undefined],
  ])("buildAccountOf(%j)", (member, expected) => {
    expect(buildAccountOf(member, S)).toEqual(expected);
  });

  const repositoryGrant = (repository: string, role = "roles/artifactregistry.writer") => ({
    type: REPOSITORY_MEMBER,
    props: { project: S, location: "us-central1", repository, role, member: KUEUE_SA },
  });
  const tail = "a build account writes only its own repository";
  test.each<[string, { type: string; props: Record<string, unknown> }, string[]]>([
    ["writer on its own repository", repositoryGrant("kueue"), []],
    ["writer on another registry's repository", repositoryGrant("kind"), [`${KUEUE_SA} must not get roles/artifactregistry.writer on repository ${S}/kind: ${tail}`]],
    ["admin on its own repository", repositoryGrant("kueue", "roles/artifactregistry.repoAdmin"), [`${KUEUE_SA} must not get roles/artifactregistry.repoAdmin on its own repository: ${tail}`]],
    [
      "a project role",
      { type: "gcp:projects/iAMMember:IAMMember", props: { project: S, role: "roles/artifactregistry.writer", member: KUEUE_SA } },
      [`${KUEUE_SA} must not get roles/artifactregistry.writer on IAMMember ${S}: ${tail}`],
    ],
    [
      "a role on itself (keyless signing)",
      {
        type: "gcp:serviceaccount/iAMMember:IAMMember",
        props: { serviceAccountId: `projects/${S}/serviceAccounts/kueue-sa@${S}.iam.gserviceaccount.com`, role: "roles/iam.serviceAccountTokenCreator", member: KUEUE_SA },
      },
      [],
    ],
    [
      "acting as another account",
      {
        type: "gcp:serviceaccount/iAMBinding:IAMBinding",
        props: { serviceAccountId: `projects/${S}/serviceAccounts/kind-sa@${S}.iam.gserviceaccount.com`, role: "roles/iam.serviceAccountUser", members: [KUEUE_SA] },
      },
      [`${KUEUE_SA} must not get roles/iam.serviceAccountUser on service account projects/${S}/serviceAccounts/kind-sa@${S}.iam.gserviceaccount.com: ${tail}`],
    ],
  ])("%s", async (_, resource, expected) => {
    expect(await violationsOf(buildAccountScope, { ...resource, name: "g" })).toEqual(expected);
  });
});

describe("one-owner-per-grant", () => {
  const binding = (name: string, project: string, role: string) => ({ type: "gcp:projects/iAMBinding:IAMBinding", name, props: { project, role, members: ["group:a@example.com"] } });
  const member = (name: string, project: string, role: string) => ({ type: "gcp:projects/iAMMember:IAMMember", name, props: { project, role, member: "group:b@example.com" } });

  test("a role held by a binding and by a member of the same project is reported once, naming both", async () => {
    const resources = [binding("p/iam/viewer", "p", "roles/viewer"), member("p/iam/viewer/b", "p", "roles/viewer"), member("q/iam/viewer/b", "q", "roles/viewer")];
    expect(mixedOwnership(resources)).toEqual(["roles/viewer on projects:p is held by the authoritative p/iam/viewer and also by the additive p/iam/viewer/b"]);
    expect(await stackViolationsOf(oneOwnerPerGrant, resources)).toEqual(mixedOwnership(resources));
  });

  test("two bindings of one role fight too; the same role on other resources does not", () => {
    expect(mixedOwnership([binding("a", "p", "roles/owner"), binding("b", "p", "roles/owner")])).toEqual([
      "roles/owner on projects:p is held by several authoritative bindings: a, b",
    ]);
    expect(mixedOwnership([binding("a", "p", "roles/owner"), member("b", "q", "roles/owner"), member("c", "p", "roles/viewer")])).toEqual([]);
  });
});
