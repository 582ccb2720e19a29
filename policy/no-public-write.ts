import type { ResourceValidationPolicy } from "@pulumi/policy";
import { iamGrantOf, isReadOnlyRole, PUBLIC_MEMBERS } from "./iam-grants";

/**
 * No IAM resource of any kind may give `allUsers` or `allAuthenticatedUsers` a write role: the public may
 * pull images and read bucket objects, nothing more. "Write role" is every role {@link isReadOnlyRole} rejects.
 *
 * @example new PolicyPack("k8s-staging", { policies: [noPublicWrite] })
 */
export const noPublicWrite: ResourceValidationPolicy = {
  name: "no-public-write",
  description: "allUsers and allAuthenticatedUsers may only hold read-only roles (viewer, reader, …Viewer, …Reader).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const grant = iamGrantOf(args.type, args.props);
    if (!grant || isReadOnlyRole(grant.role)) return;
    for (const member of grant.members.filter((m) => PUBLIC_MEMBERS.includes(m))) {
      reportViolation(`${member} must not get ${grant.role}: the public may only hold read-only roles`);
    }
  },
};
