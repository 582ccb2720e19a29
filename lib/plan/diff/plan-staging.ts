import { planProgram, type PlannedResource } from "../plan-program";
import { declareStagingInfrastructure, loadStagingInputs, type ProgramInputs } from "../../provision/program";

/**
 * Plans the staging program for one set of inputs, exactly as `npm run plan` does: validate everything first
 * (bad input declares nothing), then run the declarations under the mock runtime.
 *
 * @param inputs the projects directory, `Pulumi.yaml` and the stack file
 * @param stack the stack name, e.g. `prod`
 * @returns every declared resource, in plan order
 * @throws InvalidInputError when the stack config or a project file is invalid
 * @example const resources = await planStaging(defaultProgramInputs("prod"), "prod");
 */
export async function planStaging(inputs: ProgramInputs, stack: string): Promise<PlannedResource[]> {
  const { config, entries } = await loadStagingInputs(inputs);
  const plan = await planProgram(async () => declareStagingInfrastructure(config, entries), { stack });
  return [...plan.resources];
}
