import type { StackConfig } from "../stack-config/stack-config-schema";
import { serviceAccountEmail, type RegistrySpec, type StagingProjectSpec } from "./staging-project-spec";

/** What a grant applies to. */
export type GrantTarget =
  | { readonly kind: "project" }
  | { readonly kind: "registry"; readonly registry: RegistrySpec }
  | { readonly kind: "bucket"; readonly bucket: "main" | "gcb" }
  | { readonly kind: "serviceAccount"; readonly account: "imageBuilder" | "gcbBuilder" };

/** One non-authoritative IAM grant: `member` gets `role` on `target`. */
export interface Grant {
  /** What the role is granted on. */
  readonly target: GrantTarget;
  /** e.g. `roles/viewer`. */
  readonly role: string;
  /** e.g. `group:k8s-infra-staging-kind@kubernetes.io`. */
  readonly member: string;
  /** Where in the project file the grant is written; absent for the grants every project gets. */
  readonly source?: readonly PropertyKey[];
}

/**
 * The IAM member of the image promoter's service account.
 *
 * @param config the stack config
 * @returns `serviceAccount:<promoterAccountId>@<promoterProject>.iam.gserviceaccount.com`
 */
export function promoterMember(config: StackConfig): string {
  return `serviceAccount:${serviceAccountEmail(config.promoterAccountId, config.promoterProject)}`;
}

/**
 * Every grant of a staging project, in a fixed order: the parity table's grants, then the project file's.
 * Duplicates are possible (a file may repeat a default grant); the loader reports them.
 *
 * @param spec the derived project
 * @param config the stack config
 * @returns the grants
 * @example projectGrants(spec, config).filter((g) => g.target.kind === "project")
 */
export function projectGrants(spec: StagingProjectSpec, config: StackConfig): Grant[] {
  const writers = `group:${spec.writersGroup}`;
  const admins = `group:${config.artifactAdminsGroup}`;
  const prowBuilder = `serviceAccount:${config.prowImageBuilder}`;
  const imageBuilder = `serviceAccount:${spec.imageBuilderEmail}`;
  const gcbBuilder = spec.gcbBuilder && `serviceAccount:${spec.gcbBuilder.email}`;
  const grants: Grant[] = [];
  const add = (target: GrantTarget, role: string, member: string, source?: readonly PropertyKey[]) =>
    grants.push(source ? { target, role, member, source } : { target, role, member });

  const project = { kind: "project" } as const;
  for (const role of ["roles/viewer", "roles/cloudbuild.builds.editor", "roles/serviceusage.serviceUsageConsumer"]) {
    add(project, role, writers);
  }
  add(project, "roles/viewer", admins);
  add(project, "roles/containeranalysis.occurrences.viewer", `serviceAccount:${config.vulnerabilityScanner}`);
  add(project, "roles/cloudbuild.builds.builder", prowBuilder);
  add(project, "roles/cloudbuild.builds.editor", imageBuilder);
  if (gcbBuilder) {
    add(project, "roles/cloudbuild.builds.builder", gcbBuilder);
    (spec.source.gcbBuilder?.projectRoles ?? []).forEach((role, index) =>
      add(project, role, gcbBuilder, ["gcbBuilder", "projectRoles", index]),
    );
  }
  forEachGrant(spec.source.projectIam, "projectIam", (role, member, source) => add(project, role, member, source));

  for (const registry of spec.registries) {
    const target = { kind: "registry", registry } as const;
    add(target, "roles/artifactregistry.reader", "allUsers");
    add(target, "roles/artifactregistry.repoAdmin", writers);
    add(target, "roles/artifactregistry.admin", admins);
    add(target, "roles/artifactregistry.reader", promoterMember(config));
    if (gcbBuilder) add(target, "roles/artifactregistry.writer", gcbBuilder);
    forEachGrant(spec.source.registryIam, "registryIam", (role, member, source) => add(target, role, member, source));
  }

  for (const bucket of ["main", "gcb"] as const) {
    const target = { kind: "bucket", bucket } as const;
    add(target, "roles/storage.objectViewer", "allUsers");
    add(target, "roles/storage.objectAdmin", writers);
    add(target, "roles/storage.legacyBucketWriter", writers);
    add(target, "roles/storage.objectAdmin", admins);
    add(target, "roles/storage.legacyBucketOwner", admins);
    if (bucket === "gcb") {
      add(target, "roles/storage.objectCreator", prowBuilder);
      add(target, "roles/storage.objectViewer", prowBuilder);
    }
    if (gcbBuilder) {
      add(target, "roles/storage.objectCreator", gcbBuilder);
      add(target, "roles/storage.objectViewer", gcbBuilder);
    }
  }

  // Keyless signing: the builder mints tokens for itself.
  add({ kind: "serviceAccount", account: "imageBuilder" }, "roles/iam.serviceAccountTokenCreator", imageBuilder);
  if (gcbBuilder && spec.gcbBuilder) {
    const target = { kind: "serviceAccount", account: "gcbBuilder" } as const;
    add(target, "roles/iam.workloadIdentityUser", spec.gcbBuilder.workloadIdentityMember);
    (spec.source.gcbBuilder?.selfRoles ?? []).forEach((role, index) =>
      add(target, role, gcbBuilder, ["gcbBuilder", "selfRoles", index]),
    );
  }
  return grants;
}

/** One authoritative IAM binding: exactly `members` hold `role` on `target`, and nobody else. */
export interface Binding {
  /** What the role is granted on. */
  readonly target: GrantTarget;
  /** e.g. `roles/owner`. */
  readonly role: string;
  /** Every member, sorted. */
  readonly members: readonly string[];
}

/**
 * Separates the grants of the roles a project holds authoritatively (`authoritativeProjectRoles`) from the rest:
 * each such role's project grants become one binding, so no role is ever declared both ways.
 *
 * @param spec the derived project
 * @param grants its grants, from {@link projectGrants}
 * @returns the grants still declared one member at a time, and one binding per authoritative role (in the file's order)
 */
export function splitAuthoritative(spec: StagingProjectSpec, grants: readonly Grant[]): { grants: Grant[]; bindings: Binding[] } {
  const roles = new Set(spec.authoritativeProjectRoles);
  const held = (grant: Grant) => grant.target.kind === "project" && roles.has(grant.role);
  const bindings = [...roles].map((role) => ({
    target: { kind: "project" } as const,
    role,
    members: [...new Set(grants.filter((grant) => held(grant) && grant.role === role).map((grant) => grant.member))].sort(),
  }));
  return { grants: grants.filter((grant) => !held(grant)), bindings };
}

/**
 * The stable key of a binding, unique within its project: target and role without `roles/`.
 *
 * @param binding the binding
 * @returns e.g. `iam/owner`
 */
export function bindingKey(binding: Binding): string {
  return `${targetKey(binding.target)}/${binding.role.replace(/^roles\//, "")}`;
}

/**
 * The stable key of a grant, unique within its project: target, role without `roles/`, member.
 *
 * @param grant the grant
 * @returns e.g. `registry/us/gcr.io/repoAdmin/group:k8s-infra-staging-kind@kubernetes.io`
 */
export function grantKey(grant: Grant): string {
  const role = grant.role.replace(/^roles\//, "");
  return `${targetKey(grant.target)}/${role}/${grant.member}`;
}

/**
 * The stable key of a grant target.
 *
 * @param target the target
 * @returns `iam`, `registry/<location>/<id>`, `bucket`, `gcb-bucket`, `sa/gcb-image-builder` or `sa/gcb-builder`
 */
export function targetKey(target: GrantTarget): string {
  switch (target.kind) {
    case "project":
      return "iam";
    case "registry":
      return target.registry.key;
    case "bucket":
      return target.bucket === "main" ? "bucket" : "gcb-bucket";
    case "serviceAccount":
      return target.account === "imageBuilder" ? "sa/gcb-image-builder" : "sa/gcb-builder";
  }
}

function forEachGrant(
  map: Readonly<Record<string, readonly string[]>> | undefined,
  field: string,
  visit: (role: string, member: string, source: readonly PropertyKey[]) => void,
): void {
  for (const [role, members] of Object.entries(map ?? {})) {
    members.forEach((member, index) => visit(role, member, [field, role, index]));
  }
}
