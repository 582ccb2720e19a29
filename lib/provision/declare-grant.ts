import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { bindingKey, grantKey, type Binding, type Grant } from "../projects/project-grants";
import type { ChildNames } from "./child-names";

/** A service account the project declares, with its (known) email. */
export interface DeclaredAccount {
  /** The account resource. */
  readonly account: gcp.serviceaccount.Account;
  /** Its email, known before creation. */
  readonly email: string;
}

/** The resources a project's grants refer to. */
export interface GrantTargets {
  /** The project id, as the project resource's output. */
  readonly projectId: pulumi.Output<string>;
  /** Repositories by {@link RegistrySpec.key}. */
  readonly repositories: ReadonlyMap<string, gcp.artifactregistry.Repository>;
  /** The two buckets. */
  readonly buckets: { readonly main: gcp.storage.Bucket; readonly gcb: gcp.storage.Bucket };
  /** The project's service accounts. */
  readonly serviceAccounts: { readonly imageBuilder: DeclaredAccount; readonly gcbBuilder?: DeclaredAccount };
}

/**
 * Declares one grant as a non-authoritative IAM member resource of the right kind, named from the grant's
 * stable key. A grant to one of the project's own accounts waits for that account to exist.
 *
 * @param parent the owning component
 * @param names the component's name allocator
 * @param grant the grant
 * @param targets the resources grants refer to
 * @returns the declared resource
 * @throws Error when the grant's target was not declared (a registry key or account the spec does not have)
 */
export function declareGrant(
  parent: pulumi.ComponentResource,
  names: ChildNames,
  grant: Grant,
  targets: GrantTargets,
): pulumi.CustomResource {
  const name = names.name(grantKey(grant));
  const { role, member } = grant;
  const accounts = [targets.serviceAccounts.imageBuilder, targets.serviceAccounts.gcbBuilder];
  const dependsOn = accounts.filter((a) => a && member === `serviceAccount:${a.email}`).map((a) => a!.account);
  const opts = { parent, dependsOn };
  const target = grant.target;
  switch (target.kind) {
    case "project":
      return new gcp.projects.IAMMember(name, { project: targets.projectId, role, member }, opts);
    case "registry": {
      const repository = targets.repositories.get(target.registry.key);
      if (!repository) throw new Error(`grant "${name}" names registry ${target.registry.key}, which is not declared`);
      return new gcp.artifactregistry.RepositoryIamMember(
        name,
        { project: targets.projectId, location: target.registry.location, repository: repository.repositoryId, role, member },
        opts,
      );
    }
    case "bucket":
      return new gcp.storage.BucketIAMMember(name, { bucket: targets.buckets[target.bucket].name, role, member }, opts);
    case "serviceAccount": {
      const account = targets.serviceAccounts[target.account];
      if (!account) throw new Error(`grant "${name}" names service account ${target.account}, which is not declared`);
      // The account's full name is known up front; the output would only exist after creation.
      const serviceAccountId = pulumi.interpolate`projects/${targets.projectId}/serviceAccounts/${account.email}`;
      return new gcp.serviceaccount.IAMMember(
        name,
        { serviceAccountId, role, member },
        { parent, dependsOn: [...dependsOn, account.account] },
      );
    }
  }
}

/**
 * Declares one authoritative binding: the whole member list of a role on the project, named from the binding's
 * stable key. Only project roles are held this way (see `authoritativeProjectRoles`).
 *
 * @param parent the owning component
 * @param names the component's name allocator
 * @param binding the binding
 * @param targets the resources bindings refer to
 * @returns the declared resource
 * @throws Error for a binding on anything but the project (the loader never makes one)
 */
export function declareBinding(
  parent: pulumi.ComponentResource,
  names: ChildNames,
  binding: Binding,
  targets: GrantTargets,
): gcp.projects.IAMBinding {
  if (binding.target.kind !== "project") throw new Error(`binding ${bindingKey(binding)}: only project roles are held authoritatively`);
  const { imageBuilder, gcbBuilder } = targets.serviceAccounts;
  const dependsOn = [imageBuilder, gcbBuilder].filter((a) => a && binding.members.includes(`serviceAccount:${a.email}`)).map((a) => a!.account);
  return new gcp.projects.IAMBinding(
    names.name(bindingKey(binding)),
    { project: targets.projectId, role: binding.role, members: [...binding.members] },
    { parent, dependsOn },
  );
}
