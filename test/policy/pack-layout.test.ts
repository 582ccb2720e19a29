import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { stagingPolicies } from "../../policy/policies";

const rootPackage = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
const packPackage = JSON.parse(readFileSync("policy/package.json", "utf8")) as {
  version: string;
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

test("the pack installs on its own (pulumi runs npm install in policy/) with the root's versions", () => {
  // PolicyPack reads the version from the pack's package.json and refuses to start without one.
  expect(packPackage.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(packPackage.main).toBe("index.ts");
  for (const name of ["@pulumi/policy", "@pulumi/pulumi"]) expect(packPackage.dependencies[name]).toBe(rootPackage.dependencies[name]);
  // typescript makes the analyzer load index.ts through ts-node.
  expect(packPackage.devDependencies["typescript"]).toBeDefined();
  expect(parse(readFileSync("policy/PulumiPolicy.yaml", "utf8"))).toMatchObject({ runtime: "nodejs" });
});

test("the pack imports nothing outside policy/ besides @pulumi/policy, so it runs from its own node_modules", () => {
  for (const file of readdirSync("policy").filter((name) => name.endsWith(".ts"))) {
    const imports = [...readFileSync(`policy/${file}`, "utf8").matchAll(/from "([^"]+)"/g)].map((match) => match[1]);
    for (const specifier of imports) expect([file, specifier]).toEqual([file, expect.stringMatching(/^(\.\/[a-z-]+|@pulumi\/policy)$/)]);
  }
});

test("eight mandatory policies with unique names", () => {
  expect(stagingPolicies.map((policy) => [policy.name, policy.enforcementLevel])).toEqual([
    ["no-public-write", "mandatory"],
    ["bucket-uniform-access-and-lifecycle", "mandatory"],
    ["staging-iam-members", "mandatory"],
    ["staging-resources-protected", "mandatory"],
    ["staging-repository-cleanup", "mandatory"],
    ["no-human-admin-on-shared-registry", "mandatory"],
    ["build-account-writes-only-its-own-repository", "mandatory"],
    ["one-owner-per-grant", "mandatory"],
  ]);
  expect(readFileSync("policy/index.ts", "utf8")).toContain('new PolicyPack("k8s-staging", { enforcementLevel: "mandatory", policies: stagingPolicies });');
});
