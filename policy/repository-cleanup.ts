import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parentComponentOf, SHARED_REGISTRY_TYPE, STAGING_PROJECT_TYPE } from "./staging-components";

/** The Pulumi type token of an Artifact Registry repository. */
export const REPOSITORY_TYPE = "gcp:artifactregistry/repository:Repository";

/** The label a repository carries when its file opted out of cleanup (lib/provision/staging-repository.ts). */
export const CLEANUP_OPT_OUT_LABEL = "cleanup-policy";

/**
 * Every staging repository, of a dedicated project or of the shared project, has a cleanup policy (which may be a
 * dry run), or carries the opt-out label its file's `cleanup: none` sets, so that keeping staging images forever
 * is always a decision written in the data (k8s.io#8009), never an omission.
 *
 * @example new PolicyPack("k8s-staging", { policies: [repositoryCleanup] })
 */
export const repositoryCleanup: ResourceValidationPolicy = {
  name: "staging-repository-cleanup",
  description: "Staging repositories declare a cleanup policy (possibly a dry run), or the explicit opt-out label cleanup-policy: none.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== REPOSITORY_TYPE) return;
    const parent = parentComponentOf(args.opts.parent)?.type;
    if (parent !== STAGING_PROJECT_TYPE && parent !== SHARED_REGISTRY_TYPE) return;
    const policies = args.props["cleanupPolicies"];
    const labels = (args.props["labels"] ?? {}) as Record<string, unknown>;
    if ((Array.isArray(policies) && policies.length > 0) || labels[CLEANUP_OPT_OUT_LABEL] === "none") return;
    reportViolation(`the staging repository must declare a cleanup policy, or opt out explicitly with the label ${CLEANUP_OPT_OUT_LABEL}: none`);
  },
};
