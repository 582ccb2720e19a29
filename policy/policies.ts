import type { Policies } from "@pulumi/policy";
import { bucketHygiene } from "./bucket-hygiene";
import { buildAccountScope } from "./build-account-scope";
import { noPublicWrite } from "./no-public-write";
import { oneOwnerPerGrant } from "./one-owner-per-grant";
import { protectedResources } from "./protected-resources";
import { repositoryCleanup } from "./repository-cleanup";
import { noHumanAdminOnSharedRegistry } from "./shared-registry-admins";
import { stagingMembers } from "./staging-members";

/**
 * Every policy of the pack, all mandatory. Kept apart from `index.ts` because constructing a PolicyPack
 * starts the analyzer's gRPC server; tests import this list instead.
 */
export const stagingPolicies: Policies = [
  noPublicWrite,
  bucketHygiene,
  stagingMembers,
  protectedResources,
  repositoryCleanup,
  noHumanAdminOnSharedRegistry,
  buildAccountScope,
  oneOwnerPerGrant,
];
