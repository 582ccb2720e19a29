import { z } from "zod";
import {
  ApiNameSchema,
  EmailSchema,
  FolderIdSchema,
  GcpProjectIdSchema,
  IamMemberSchema,
  RegistryLocationSchema,
  RepositoryIdSchema,
  ServiceAccountIdSchema,
} from "../projects/gcp-identifiers";

/** An Artifact Registry repository, as the promoter's write grants need it. */
export interface RegistryAddress {
  /** The image address prefix, e.g. `us-central1-docker.pkg.dev/k8s-artifacts-prod/images`. */
  readonly address: string;
  /** Owning project, e.g. `k8s-artifacts-prod`. */
  readonly project: string;
  /** Region or multi-region, e.g. `us-central1`. */
  readonly location: string;
  /** Repository id, e.g. `images`. */
  readonly repositoryId: string;
}

const REGISTRY_ADDRESS = /^([a-z]+(?:-[a-z]+[0-9]+)?)-docker\.pkg\.dev\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/([a-z0-9][a-z0-9._-]*)$/;

const RegistryAddressSchema = z
  .string()
  .regex(REGISTRY_ADDRESS, "expected <location>-docker.pkg.dev/<project>/<repository>")
  .transform((address): RegistryAddress => {
    const [, location, project, repositoryId] = REGISTRY_ADDRESS.exec(address)!;
    return { address, project: project!, location: location!, repositoryId: repositoryId! };
  });

const uniqueList = <T extends z.ZodType<string>>(item: T) =>
  z.array(item).superRefine((values, context) => {
    values.forEach((value, index) => {
      if (values.indexOf(value) !== index) context.addIssue({ code: "custom", path: [index], message: `"${value}" is listed twice` });
    });
  });

/** A promoter service account of `promoterProject`, declared with its display name. */
export interface PromoterAccount {
  /** Account id, e.g. `k8s-infra-gcr-promoter`. */
  readonly accountId: string;
  /** Display name, e.g. `k8s-infra container image promoter`. */
  readonly displayName: string;
}

/** A prow pod identity allowed to act as a promoter account (Workload Identity Federation). */
export interface PromoterPodIdentity {
  /** The promoter account it acts as. */
  readonly accountId: string;
  /** The pod's Kubernetes namespace, e.g. `test-pods`. */
  readonly namespace: string;
  /** The pod's Kubernetes service account, e.g. `s3-sync`. */
  readonly kubernetesServiceAccount: string;
}

const ACCOUNT_ENTRY = /^([a-z][a-z0-9-]{4,28}[a-z0-9])=(\S(?:.{0,98}\S)?)$/;
const POD_IDENTITY_ENTRY = /^([a-z][a-z0-9-]{4,28}[a-z0-9])=([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\/([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)$/;

/** Each entry once; `keyOf` says what makes two entries the same. */
const uniqueEntries = <T>(item: z.ZodType<T, string>, keyOf: (entry: T) => string) =>
  z.array(item).superRefine((entries, context) => {
    const keys = entries.map(keyOf);
    keys.forEach((key, index) => {
      if (keys.indexOf(key) !== index) context.addIssue({ code: "custom", path: [index], message: `"${key}" is listed twice` });
    });
  });

const days = z.number().int("expected a whole number of days").positive("expected a positive number of days");
const bucketLocation = z.string().regex(/^[A-Za-z0-9-]+$/, "expected a bucket location such as US");

/**
 * One zod schema per stack config key (without the `k8s-staging:` namespace). The keys must match the
 * `config:` declarations of `Pulumi.yaml`; the loader reports any difference.
 */
export const StackConfigSchemas = {
  organizationId: z.string().regex(/^[0-9]+$/, "expected a numeric organization id"),
  folderId: FolderIdSchema,
  billingAccount: z
    .string()
    .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, "expected a billing account id such as 012345-6789AB-CDEF01"),
  domain: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "expected a domain such as kubernetes.io"),
  artifactAdminsGroup: EmailSchema,
  vulnerabilityScanner: EmailSchema,
  prowImageBuilder: EmailSchema,
  prowPodNamespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a Kubernetes namespace"),
  promoterProject: GcpProjectIdSchema,
  promoterAccountId: ServiceAccountIdSchema,
  promoterAccounts: uniqueEntries(
    z
      .string()
      .regex(ACCOUNT_ENTRY, 'expected "<account id>=<display name>", e.g. "k8s-infra-gcr-promoter=k8s-infra container image promoter"')
      .transform((entry): PromoterAccount => {
        const [, accountId, displayName] = ACCOUNT_ENTRY.exec(entry)!;
        return { accountId: accountId!, displayName: displayName! };
      }),
    (account) => account.accountId,
  ),
  promoterWorkloadIdentityUsers: uniqueEntries(
    z
      .string()
      .regex(POD_IDENTITY_ENTRY, 'expected "<account id>=<namespace>/<kubernetes service account>", e.g. "k8s-infra-gcr-promoter=test-pods/s3-sync"')
      .transform((entry): PromoterPodIdentity => {
        const [, accountId, namespace, kubernetesServiceAccount] = POD_IDENTITY_ENTRY.exec(entry)!;
        return { accountId: accountId!, namespace: namespace!, kubernetesServiceAccount: kubernetesServiceAccount! };
      }),
    (user) => `${user.accountId}=${user.namespace}/${user.kubernetesServiceAccount}`,
  ),
  prowWorkloadIdentityPool: z
    .string()
    .regex(
      /^projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/[a-z0-9.-]+$/,
      "expected projects/<number>/locations/global/workloadIdentityPools/<pool>",
    ),
  productionRegistries: z.array(RegistryAddressSchema).superRefine((registries, context) => {
    registries.forEach((registry, index) => {
      if (registries.findIndex((other) => other.address === registry.address) !== index) {
        context.addIssue({ code: "custom", path: [index], message: `"${registry.address}" is listed twice` });
      }
    });
  }),
  apis: uniqueList(ApiNameSchema),
  registryLocation: RegistryLocationSchema,
  registryRepositoryId: RepositoryIdSchema,
  bucketLocation,
  bucketObjectAgeDays: days,
  cleanupOlderThanDays: days,
  sharedProject: GcpProjectIdSchema,
  sharedProjectFolderId: FolderIdSchema,
  sharedProjectApis: uniqueList(ApiNameSchema),
  sharedProjectOwners: uniqueList(IamMemberSchema).min(1, "list at least one owner"),
  sharedRegistryLocation: RegistryLocationSchema,
  sharedBuildBucketLocation: bucketLocation,
  sharedBuildBucketObjectAgeDays: days,
  sharedBuildBucketAdmins: uniqueList(IamMemberSchema),
  accessLogBucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "expected a bucket name"),
  manageWritersGroups: z.boolean(),
  cloudIdentityCustomerId: z.string().regex(/^(C[0-9a-z]+)?$/, 'expected a customer id such as C01abcdef or ""'),
} as const;

/** The key names of the stack config, without namespace. */
export type StackConfigKey = keyof typeof StackConfigSchemas;

/** The validated stack config. */
export type StackConfig = { readonly [K in StackConfigKey]: z.output<(typeof StackConfigSchemas)[K]> };
