import { join } from "node:path";
import { runCheckCommand } from "../../lib/cli/check";
import { runNewProjectCommand } from "../../lib/cli/new-project";
import { runPlanCommand } from "../../lib/cli/plan";
import { makeFixtureRepo, type FixtureRepo } from "../check/fixture-repo";
import { captureIo } from "../support/capture-io";

/**
 * The whole "add a subproject" pull request, as CI sees it: new-project on a branch, then the presubmit check
 * and the plan diff against the base.
 */
describe("a scripted pull request that adds a project", () => {
  let repo: FixtureRepo;
  beforeAll(async () => {
    repo = await makeFixtureRepo(["alpha", "beta"]);
    repo.git("init", "--quiet");
    repo.git("add", ".");
    repo.git("commit", "--quiet", "-m", "base");
    repo.git("tag", "base");
    const scaffold = captureIo();
    expect(await runNewProjectCommand(["newtool", "--owner", "octocat"], scaffold.io, repo.root)).toBe(0);
    repo.git("add", ".");
    repo.git("commit", "--quiet", "-m", "add newtool");
  });
  afterAll(() => repo.dispose());

  it("passes check against the base", async () => {
    const check = captureIo();
    expect(await runCheckCommand(["--base", "base"], check.io, repo.root)).toBe(0);
    expect(check.err()).toBe("");
  });

  it("has a plan diff that adds exactly the new project's resources and changes nothing else", async () => {
    const plan = captureIo();
    const argv = ["--projects", join(repo.root, "projects"), "--stack-config", join(repo.root, "Pulumi.prod.yaml"), "--base", "base"];
    expect(await runPlanCommand(argv, plan.io)).toBe(0);
    const lines = plan.out().split("\n");
    const added = lines.filter((line) => line.startsWith("+ "));
    expect(added.length).toBeGreaterThan(40);
    // Every added resource is the new project's component or one of its children (or the promoter's read
    // grant on the new registry, which lives in the project's component too).
    for (const line of added) expect(line).toMatch(/^\+ \S+ k8s-staging-newtool(\/|$)/);
    expect(added).toContain("+ k8s-staging:index:StagingProject k8s-staging-newtool");
    expect(added).toContain("+ gcp:organizations/project:Project k8s-staging-newtool/project");
    expect(lines.filter((line) => /^[~-] /.test(line))).toEqual([]);
    expect(lines[0]).toMatch(new RegExp(`^Plan diff: ${added.length} to add, 0 to change, 0 to remove \\(\\d+ unchanged\\)$`));
  });
});
