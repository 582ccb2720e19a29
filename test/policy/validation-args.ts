import type { Policy, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** A resource as a policy sees it, reduced to what the pack's policies read. */
export interface SampleResource {
  /** Pulumi type token. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs. */
  readonly props: Record<string, unknown>;
  /** The `protect` option (default false). */
  readonly protect?: boolean;
  /** The parent's URN, if any. */
  readonly parentUrn?: string;
  /** What `getConfig()` returns (default `{}`: no policy config given). */
  readonly config?: Record<string, unknown>;
}

/** The URN of a component of the prod stack, as the engine builds it. */
export function componentUrn(type: string, name: string): string {
  return `urn:pulumi:prod::k8s-staging::${type}::${name}`;
}

/** The arguments the policy server passes to validateResource, built from a sample. */
export function validationArgs(sample: SampleResource): ResourceValidationArgs {
  const qualifiedType = sample.parentUrn ? `${sample.parentUrn.split("::")[2]}$${sample.type}` : sample.type;
  return {
    type: sample.type,
    name: sample.name,
    urn: `urn:pulumi:prod::k8s-staging::${qualifiedType}::${sample.name}`,
    props: sample.props,
    opts: {
      protect: sample.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...(sample.parentUrn ? { parent: sample.parentUrn } : {}),
    },
    stackTags: new Map(),
    isType: () => {
      throw new Error("the pack's policies match type tokens, never classes");
    },
    asType: () => {
      throw new Error("the pack's policies match type tokens, never classes");
    },
    getConfig: <T extends object>() => (sample.config ?? {}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable: ${reason}`);
    },
  };
}

/**
 * Runs one policy's validateResource on a sample and returns the violation messages, in order.
 *
 * @throws Error when the policy is not a resource policy
 */
export async function violationsOf(policy: Policy, sample: SampleResource): Promise<string[]> {
  const validate = (policy as ResourceValidationPolicy).validateResource;
  if (validate === undefined) throw new Error(`${policy.name} has no validateResource`);
  const messages: string[] = [];
  const reportViolation: ReportViolation = (message: string) => void messages.push(message);
  for (const validation of Array.isArray(validate) ? validate : [validate]) {
    await validation(validationArgs(sample), reportViolation);
  }
  return messages;
}

/**
 * Runs one stack policy's validateStack over samples and returns the violation messages, in order.
 *
 * @throws Error when the policy is not a stack policy
 */
export async function stackViolationsOf(policy: Policy, samples: readonly SampleResource[]): Promise<string[]> {
  const validate = (policy as StackValidationPolicy).validateStack;
  if (validate === undefined) throw new Error(`${policy.name} has no validateStack`);
  const messages: string[] = [];
  await validate(
    {
      resources: samples.map((sample) => ({
        type: sample.type,
        name: sample.name,
        urn: validationArgs(sample).urn,
        props: sample.props,
        opts: validationArgs(sample).opts,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
      })) as never,
      stackTags: new Map(),
      getConfig: <T extends object>() => ({}) as T,
      notApplicable: (reason?: string): never => {
        throw new Error(`notApplicable: ${reason}`);
      },
    },
    (message: string) => void messages.push(message),
  );
  return messages;
}

/** The violations of any policy, resource or stack, over samples: `<policy> <resource>: <message>` each. */
export async function allViolationsOf(policies: readonly Policy[], samples: readonly SampleResource[]): Promise<string[]> {
  const violations: string[] = [];
  for (const policy of policies) {
    if ((policy as StackValidationPolicy).validateStack) {
      for (const message of await stackViolationsOf(policy, samples)) violations.push(`${policy.name}: ${message}`);
      continue;
    }
    for (const sample of samples) {
      for (const message of await violationsOf(policy, sample)) violations.push(`${policy.name} ${sample.name}: ${message}`);
    }
  }
  return violations;
}
