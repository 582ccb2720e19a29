import * as pulumi from "@pulumi/pulumi";

/** One resource the program declared, as the plan JSON lists it. */
export interface PlannedResource {
  /** Pulumi type token, e.g. `gcp:storage/bucket:Bucket`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Logical name of the parent component, or `null` for a resource at the top of the stack. */
  readonly parent: string | null;
  /** Inputs with every output resolved. */
  readonly inputs: Record<string, unknown>;
  /** The cloud id of an existing resource the program adopts (the `import` option): `pulumi up` never creates it. */
  readonly import?: string;
}

/** What a program declared under the mock runtime. */
export interface Plan<T> {
  /** Every resource, sorted by name then type (the root stack resource itself is left out). */
  readonly resources: readonly PlannedResource[];
  /** What the program returned (its stack outputs), resolved. */
  readonly outputs: T;
}

/** Options for {@link planProgram}. */
export interface PlanProgramOptions {
  /** Pulumi project name (default `k8s-staging`). */
  readonly project?: string;
  /** Stack name (default `prod`). */
  readonly stack?: string;
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks`: the real SDK and resource classes, no engine, no
 * cloud, no credentials. The mock's `newResource` callback is not told the parent, so a stack transformation
 * (run by the SDK in-process for every resource, with the resource options) records each resource's parent.
 * A program that declares two resources with the same type and name fails, as a real deployment would.
 *
 * @param program declares resources and returns the stack outputs
 * @param options project and stack names
 * @returns every declared resource and the outputs
 * @throws whatever the program throws; Error on a duplicate (type, name)
 * @example const { resources } = await planProgram(() => runStagingProgram(inputs));
 */
export async function planProgram<T>(program: () => Promise<T>, options: PlanProgramOptions = {}): Promise<Plan<T>> {
  const inputsByKey = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        inputsByKey.set(resourceKey(args.type, args.name), args.inputs as Record<string, unknown>);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    options.project ?? "k8s-staging",
    options.stack ?? "prod",
    false,
  );

  const declared: { type: string; name: string; parent: string | null; importId?: string }[] = [];
  const nameOf = new Map<pulumi.Resource, string>();
  const keys = new Set<string>();
  let duplicate: string | undefined;
  let failure: { error: unknown } | undefined;
  // The SDK records a stack trace for every internal promise (tens per resource); formatting them dominated
  // the run time and memory (7 ms and 200 KB per resource). Resource source positions are unaffected: the
  // SDK lifts the limit itself while computing them.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await declareAll();
  } finally {
    // Waits for every registration (so every newResource call) and the stack's own outputs, so that nothing
    // is still in flight when the process plans again with a new mock monitor (tests).
    await pulumi.runtime.disconnect();
    Error.stackTraceLimit = stackTraceLimit;
  }

  async function declareAll(): Promise<Plan<T>> {
    const outputs = (await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation(({ resource, type, name, opts }) => {
        const key = resourceKey(type, name);
        if (keys.has(key)) duplicate ??= `${type} "${name}"`;
        keys.add(key);
        nameOf.set(resource, name);
        const importId = (opts as pulumi.CustomResourceOptions).import;
        declared.push({
          type,
          name,
          parent: opts.parent ? (nameOf.get(opts.parent) ?? null) : null,
          ...(typeof importId === "string" ? { importId } : {}),
        });
        return undefined;
      });
      // A rejection inside the stack's init would also surface as an unhandled rejection from the SDK's
      // own copies of the promise, so the failure is carried out of the stack and rethrown here.
      try {
        return await program();
      } catch (error) {
        failure = { error };
        return {};
      }
    })) as T;
    if (failure) throw failure.error;
    if (duplicate) throw new Error(`the program declares ${duplicate} twice`);

    await pulumi.runtime.disconnect();
    const resources = declared
      .filter(({ type }) => type !== ROOT_STACK_TYPE)
      .map(({ type, name, parent, importId }) => ({
        type,
        name,
        parent,
        inputs: inputsByKey.get(resourceKey(type, name)) ?? {},
        ...(importId !== undefined ? { import: importId } : {}),
      }))
      .sort((a, b) => compare(a.name, b.name) || compare(a.type, b.type));
    return { resources, outputs };
  }
}

function resourceKey(type: string, name: string): string {
  return `${type}\u0000${name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
