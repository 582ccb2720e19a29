import type { ResourceValidationPolicy } from "@pulumi/policy";

/** The Pulumi type token of a GCS bucket. */
export const BUCKET_TYPE = "gcp:storage/bucket:Bucket";

/**
 * Every bucket uses uniform bucket-level access (IAM only, no per-object ACLs that could make one object
 * public) and has at least one lifecycle rule (staging objects expire instead of piling up).
 *
 * @example new PolicyPack("k8s-staging", { policies: [bucketHygiene] })
 */
export const bucketHygiene: ResourceValidationPolicy = {
  name: "bucket-uniform-access-and-lifecycle",
  description: "Buckets enable uniform bucket-level access and declare at least one lifecycle rule.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== BUCKET_TYPE) return;
    if (args.props["uniformBucketLevelAccess"] !== true) {
      reportViolation("the bucket must set uniformBucketLevelAccess: true");
    }
    const rules = args.props["lifecycleRules"];
    if (!Array.isArray(rules) || rules.length === 0) {
      reportViolation("the bucket must declare at least one lifecycle rule");
    }
  },
};
