import type { z } from "zod";
import type { Problem } from "../diagnostics/problem";
import type { ParsedYaml } from "./parse-yaml";

/**
 * Turns a zod validation error on `parsed.value` into positioned problems, one per issue (one per key for
 * unknown keys), pointing at the offending text.
 *
 * @param parsed the parsed file the validated value came from
 * @param error the error from `schema.safeParse(parsed.value)`
 * @returns the problems, in issue order
 */
export function zodProblems(parsed: ParsedYaml, error: z.ZodError): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push(parsed.problemAt([...path, key], "unknown key", "key"));
    } else if (issue.code === "invalid_type" && isMissing(parsed.value, path)) {
      problems.push(parsed.problemAt(path, "required"));
    } else {
      problems.push(parsed.problemAt(path, issue.message.replace(/^Invalid (input|option): /, "")));
    }
  }
  return problems;
}

function isMissing(value: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = value;
  for (const segment of path) {
    if (node === null || typeof node !== "object" || !(segment in (node as object))) return true;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node === undefined;
}
