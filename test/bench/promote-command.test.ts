import { join } from "node:path";
import { COMPILED_COMMANDS } from "../../scripts/build-cli";
import { npmPromote, npmRunPromote, parsePromoteScript, readPromoteScript, REPO_ROOT, scriptPromote } from "../../bench/promote/promote-command";
import { runCommand } from "../harness/run-command";

test.each([
  ["node --max-semi-space-size=1 dist/promote.cjs", { nodeFlags: ["--max-semi-space-size=1"], entry: "dist/promote.cjs" }],
  ["node dist/promote.cjs", { nodeFlags: [], entry: "dist/promote.cjs" }],
  ["  node --a --b=2   out/p.cjs ", { nodeFlags: ["--a", "--b=2"], entry: "out/p.cjs" }],
])("parsePromoteScript(%j)", (script, expected) => {
  expect(parsePromoteScript(script)).toEqual(expected);
});

test.each([
  "tsx lib/cli/promote.ts",
  "node --max-semi-space-size=1 lib/cli/promote.ts",
  "node -r setup dist/promote.cjs",
  "",
])("parsePromoteScript(%j) refuses what it could not run without npm", (script) => {
  expect(() => parsePromoteScript(script)).toThrow(`package.json: scripts.promote is ${JSON.stringify(script)}, not "node [--flag…] ENTRY.cjs"`);
});

test("package.json's promote script runs the compiled promote command, which the benchmarks run the same way", () => {
  const script = readPromoteScript();
  expect(COMPILED_COMMANDS).toContain("promote");
  expect(script.entry).toBe("dist/promote.cjs");
  expect(scriptPromote(["--quiet"])).toEqual({
    program: expect.stringMatching(/(^|\/)node$/),
    args: [...script.nodeFlags, "dist/promote.cjs", "--quiet"],
    cwd: REPO_ROOT,
  });
  expect(scriptPromote(["--quiet"], []).args).toEqual(["dist/promote.cjs", "--quiet"]);
});

test("the headline run is the user's command with default settings, from the repository root", () => {
  expect(npmPromote("/tmp/tree")).toEqual({
    program: "npm",
    args: ["run", "promote", "--", "--thin-manifest-dir", "/tmp/tree", "--confirm", "--quiet"],
    cwd: REPO_ROOT,
  });
  expect(REPO_ROOT).toBe(join(__dirname, "..", ".."));
});

test("both ways the benchmarks start the promoter reach it (needs `npm run build`, which `npm ci` runs)", async () => {
  // Jest runs from the repository root, where both commands are meant to run.
  expect(process.cwd()).toBe(REPO_ROOT);
  for (const command of [scriptPromote(["--help"]), npmRunPromote(["--help"])]) {
    const { stdout } = await runCommand(command.program, command.args);
    expect(stdout.toString()).toMatch(/^Usage: promote /m);
  }
});
