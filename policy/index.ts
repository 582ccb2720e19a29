// The policy pack `pulumi preview --policy-pack policy` loads: every policy of policies.ts, mandatory.
import { PolicyPack } from "@pulumi/policy";
import { stagingPolicies } from "./policies";

new PolicyPack("k8s-staging", { enforcementLevel: "mandatory", policies: stagingPolicies });
