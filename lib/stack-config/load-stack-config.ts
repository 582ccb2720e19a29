import { readFile } from "node:fs/promises";
import { z } from "zod";
import { InvalidInputError, type Problem } from "../diagnostics/problem";
import { parseYaml, type ParsedYaml } from "../yaml/parse-yaml";
import { zodProblems } from "../yaml/zod-problems";
import { StackConfigSchemas, type StackConfig, type StackConfigKey } from "./stack-config-schema";

/** A file's name as shown in messages and its text. */
export interface NamedText {
  /** Shown in messages, e.g. `Pulumi.prod.yaml`. */
  readonly file: string;
  /** The file's contents. */
  readonly text: string;
}

const KEYS = Object.keys(StackConfigSchemas) as StackConfigKey[];

/**
 * Validates the stack config: the `config:` declarations (defaults) of `Pulumi.yaml` and the values of
 * `Pulumi.<stack>.yaml`. We read the files ourselves rather than through `pulumi.Config` because only the text
 * gives positions, and `Config.requireObject` does not validate. Keys of other namespaces (`gcp:project`, …)
 * in the stack file are left to Pulumi.
 *
 * @param projectFile `Pulumi.yaml`
 * @param stackFile `Pulumi.<stack>.yaml`
 * @returns the config, defaults applied
 * @throws InvalidInputError with every problem of both files
 */
export function parseStackConfig(projectFile: NamedText, stackFile: NamedText): StackConfig {
  const project = parseYaml(projectFile.file, projectFile.text);
  const stack = parseYaml(stackFile.file, stackFile.text);
  const problems: Problem[] = [...project.problems, ...stack.problems];
  if (problems.length > 0) throw new InvalidInputError(problems);

  const namespace = readNamespace(project, problems);
  const declared = readDeclarations(project, problems);
  const values = readStackValues(stack, namespace, problems);

  const config: Record<string, unknown> = {};
  for (const key of KEYS) {
    const fromStack = values.has(key);
    const declaration = declared.get(key);
    if (!fromStack && (declaration === undefined || !("default" in declaration))) {
      if (declaration !== undefined) problems.push(stack.problemAt(["config"], `"${namespace}:${key}" is required`, "key"));
      continue;
    }
    const [parsed, path] = fromStack
      ? [stack, ["config", `${namespace}:${key}`]]
      : [project, ["config", key, "default"]];
    const raw = fromStack ? values.get(key) : declaration!["default"];
    const result = (StackConfigSchemas[key] as z.ZodType).safeParse(raw);
    if (result.success) config[key] = result.data;
    else problems.push(...zodProblems(parsed, prefixIssues(result.error, path)));
  }
  // Where a key's value is written: the stack file, else the default in Pulumi.yaml.
  const problemAt = (key: StackConfigKey, message: string, index?: number) => {
    const [parsed, path] = values.has(key) ? [stack, ["config", `${namespace}:${key}`]] : [project, ["config", key, "default"]];
    return parsed.problemAt(index === undefined ? path : [...path, index], message);
  };
  if (problems.length === 0) problems.push(...crossKeyProblems(config as StackConfig, namespace, problemAt));
  if (problems.length > 0) throw new InvalidInputError(problems);
  return config as StackConfig;
}

/** The rules that relate keys to each other; run only when every key is valid on its own. */
function crossKeyProblems(
  config: StackConfig,
  namespace: string,
  problemAt: (key: StackConfigKey, message: string, index?: number) => Problem,
): Problem[] {
  const problems: Problem[] = [];
  if (config.manageWritersGroups && config.cloudIdentityCustomerId === "") {
    problems.push(problemAt("manageWritersGroups", `requires "${namespace}:cloudIdentityCustomerId"`));
  }
  const accounts = config.promoterAccounts.map((account) => account.accountId);
  if (!accounts.includes(config.promoterAccountId)) {
    problems.push(problemAt("promoterAccountId", `"${config.promoterAccountId}" is not one of "${namespace}:promoterAccounts"`));
  }
  config.promoterWorkloadIdentityUsers.forEach((user, index) => {
    if (!accounts.includes(user.accountId)) {
      problems.push(problemAt("promoterWorkloadIdentityUsers", `"${user.accountId}" is not one of "${namespace}:promoterAccounts"`, index));
    }
  });
  config.promoterAccounts.forEach((account, index) => {
    if (!config.promoterWorkloadIdentityUsers.some((user) => user.accountId === account.accountId)) {
      problems.push(
        problemAt("promoterAccounts", `"${account.accountId}" has no entry in "${namespace}:promoterWorkloadIdentityUsers"; nothing could act as it`, index),
      );
    }
  });
  return problems;
}

/**
 * Reads and validates the stack config from disk (see {@link parseStackConfig}).
 *
 * @param projectFilePath path of `Pulumi.yaml`, also the name shown in messages
 * @param stackFilePath path of `Pulumi.<stack>.yaml`, also the name shown in messages
 * @returns the config, defaults applied
 * @throws InvalidInputError for bad content; the fs error when a file cannot be read
 * @example const config = await loadStackConfig("Pulumi.yaml", "Pulumi.prod.yaml");
 */
export async function loadStackConfig(projectFilePath: string, stackFilePath: string): Promise<StackConfig> {
  const [projectText, stackText] = await Promise.all([readFile(projectFilePath, "utf8"), readFile(stackFilePath, "utf8")]);
  return parseStackConfig({ file: projectFilePath, text: projectText }, { file: stackFilePath, text: stackText });
}

function readNamespace(project: ParsedYaml, problems: Problem[]): string {
  const name = (project.value as { name?: unknown } | null)?.name;
  if (typeof name === "string" && name !== "") return name;
  problems.push(project.problemAt(["name"], "the project name is required"));
  return "k8s-staging";
}

function readDeclarations(project: ParsedYaml, problems: Problem[]): Map<string, Record<string, unknown>> {
  const declared = new Map<string, Record<string, unknown>>();
  const config = (project.value as { config?: unknown } | null)?.config;
  if (!isRecord(config)) {
    problems.push(project.problemAt(["config"], "expected the config key declarations"));
    return declared;
  }
  for (const [key, declaration] of Object.entries(config)) {
    if (!(KEYS as string[]).includes(key)) problems.push(project.problemAt(["config", key], "unknown key", "key"));
    else if (!isRecord(declaration) || typeof declaration["type"] !== "string") {
      problems.push(project.problemAt(["config", key], "expected a declaration with type, description and default"));
    } else declared.set(key, declaration);
  }
  for (const key of KEYS) {
    if (!(key in config)) problems.push(project.problemAt(["config"], `"${key}" is not declared`, "key"));
  }
  return declared;
}

function readStackValues(stack: ParsedYaml, namespace: string, problems: Problem[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const document = stack.value ?? {};
  if (!isRecord(document)) {
    problems.push(stack.problemAt([], "expected a map with a config key"));
    return values;
  }
  const config = document["config"] ?? {};
  if (!isRecord(config)) {
    problems.push(stack.problemAt(["config"], "expected a map of config values"));
    return values;
  }
  const prefix = `${namespace}:`;
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if ((KEYS as string[]).includes(key)) values.set(key, value);
    else problems.push(stack.problemAt(["config", fullKey], "unknown key", "key"));
  }
  return values;
}

function prefixIssues(error: z.ZodError, prefix: readonly PropertyKey[]): z.ZodError {
  return new z.ZodError(error.issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] })));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
