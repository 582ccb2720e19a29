import { readFile } from "node:fs/promises";
import { z } from "zod";
import { formatPath, InvalidInputError } from "../../diagnostics/problem";
import type { PlannedResource } from "../plan-program";

const PlanFileSchema = z.object({
  resources: z.array(
    z.object({
      type: z.string(),
      name: z.string(),
      parent: z.string().nullable(),
      inputs: z.record(z.string(), z.unknown()),
      import: z.string().optional(),
    }),
  ),
});

/**
 * Reads a plan JSON file as `npm run plan -- --json FILE` writes it: `{"resources":[{type,name,parent,inputs}]}`.
 * JSON carries no positions, so problems are reported at `FILE:1:1` with the path inside the document.
 *
 * @param file the plan JSON file
 * @returns its resources
 * @throws InvalidInputError when the file is not JSON or not in that shape (every problem at once)
 * @throws Error from the file system (e.g. ENOENT)
 * @example const before = await readPlanFile("base-plan.json");
 */
export async function readPlanFile(file: string): Promise<PlannedResource[]> {
  const text = await readFile(file, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError([{ file, line: 1, col: 1, path: "", message: `not JSON (${(error as Error).message})` }]);
  }
  const parsed = PlanFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidInputError(
      parsed.error.issues.map((issue) => ({ file, line: 1, col: 1, path: formatPath(issue.path), message: issue.message })),
    );
  }
  return parsed.data.resources;
}
