// The Pulumi program: read and validate the stack config and projects/, declare, export the outputs.
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "./lib/diagnostics/problem";
import { defaultProgramInputs, runStagingProgram } from "./lib/provision/program";

export = async () => {
  try {
    return await runStagingProgram(defaultProgramInputs(pulumi.getStack(), __dirname));
  } catch (error) {
    // RunError prints just the message: the positioned problems, without a stack trace.
    if (error instanceof InvalidInputError) throw new pulumi.RunError(error.message);
    throw error;
  }
};
