import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { StagingProjectSpec } from "../projects/staging-project-spec";
import type { ChildNames } from "./child-names";

/**
 * Declares a project's writers group in Cloud Identity and its members (from the project file's
 * `groupMembers`). Only used when the stack sets `manageWritersGroups`; otherwise the group is managed
 * elsewhere (kubernetes/k8s.io groups.yaml) and only referenced by email.
 *
 * @param parent the owning component
 * @param names the component's name allocator
 * @param spec the project
 * @param customerId the Cloud Identity customer that owns the group
 * @returns the group resource
 */
export function declareWritersGroup(
  parent: pulumi.ComponentResource,
  names: ChildNames,
  spec: StagingProjectSpec,
  customerId: string,
): gcp.cloudidentity.Group {
  const group = new gcp.cloudidentity.Group(
    names.name("group"),
    {
      parent: `customers/${customerId}`,
      groupKey: { id: spec.writersGroup },
      displayName: `k8s-infra-staging-${spec.name}`,
      description: `May push to ${spec.registries[0]!.address} and write the buckets of ${spec.projectId}`,
      labels: { "cloudidentity.googleapis.com/groups.discussion_forum": "" },
    },
    { parent },
  );
  for (const member of spec.groupMembers) {
    new gcp.cloudidentity.GroupMembership(
      names.name(`group/member/${member}`),
      { group: group.id, preferredMemberKey: { id: member }, roles: [{ name: "MEMBER" }] },
      { parent },
    );
  }
  return group;
}
