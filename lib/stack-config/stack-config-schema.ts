import { z } from "zod";
import {
  ApiNameSchema,
  EmailSchema,
  GcpProjectIdSchema,
  RegistryLocationSchema,
  RepositoryIdSchema,
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

/**
 * One zod schema per stack config key (without the `k8s-staging:` namespace). The keys must match the
 * `config:` declarations of `Pulumi.yaml`; the loader reports any difference.
 */
export const StackConfigSchemas = {
  organizationId: z.string().regex(/^[0-9]+$/, "expected a numeric organization id"),
  folderId: z.string().regex(/^([0-9]+)?$/, 'expected a numeric folder id or ""'),
  billingAccount: z
    .string()
    .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, "expected a billing account id such as 012345-6789AB-CDEF01"),
  domain: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "expected a domain such as kubernetes.io"),
  artifactAdminsGroup: EmailSchema,
  vulnerabilityScanner: EmailSchema,
  prowImageBuilder: EmailSchema,
  prowPodNamespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a Kubernetes namespace"),
  promoterProject: GcpProjectIdSchema,
  promoterAccountId: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "expected a service account id (6-30 lowercase letters, digits, hyphens)"),
  promoterWorkloadIdentityProjects: uniqueList(GcpProjectIdSchema),
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
  bucketLocation: z.string().regex(/^[A-Za-z0-9-]+$/, "expected a bucket location such as US"),
  bucketObjectAgeDays: z.number().int("expected a whole number of days").positive("expected a positive number of days"),
  accessLogBucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "expected a bucket name"),
  manageWritersGroups: z.boolean(),
  cloudIdentityCustomerId: z.string().regex(/^(C[0-9a-z]+)?$/, 'expected a customer id such as C01abcdef or ""'),
} as const;

/** The key names of the stack config, without namespace. */
export type StackConfigKey = keyof typeof StackConfigSchemas;

/** The validated stack config. */
export type StackConfig = { readonly [K in StackConfigKey]: z.output<(typeof StackConfigSchemas)[K]> };
