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
describe("a scripted pull request that adds a subproject (a shared registry)", () => {
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

  it("has a plan diff that adds exactly the new registry's resources and lets its writers see the shared project", async () => {
    const plan = captureIo();
    const argv = ["--projects", join(repo.root, "projects"), "--stack-config", join(repo.root, "Pulumi.prod.yaml"), "--base", "base"];
    expect(await runPlanCommand(argv, plan.io)).toBe(0);
    const lines = plan.out().split("\n");
    const added = lines.filter((line) => line.startsWith("+ "));
    const S = "k8s-staging-images";
    const account = `serviceAccount:newtool-sa@${S}.iam.gserviceaccount.com`;
    expect(added.sort()).toEqual(
      [
        `+ k8s-staging:index:SharedRegistry ${S}/newtool`,
        `+ gcp:artifactregistry/repository:Repository ${S}/newtool/repository`,
        `+ gcp:artifactregistry/repositoryIamMember:RepositoryIamMember ${S}/newtool/repository/artifactregistry.reader/allUsers`,
        `+ gcp:artifactregistry/repositoryIamMember:RepositoryIamMember ${S}/newtool/repository/artifactregistry.writer/group:k8s-infra-staging-newtool@kubernetes.io`,
        `+ gcp:artifactregistry/repositoryIamMember:RepositoryIamMember ${S}/newtool/repository/artifactregistry.writer/${account}`,
        `+ gcp:serviceaccount/account:Account ${S}/newtool/sa`,
        `+ gcp:serviceaccount/iAMBinding:IAMBinding ${S}/newtool/sa/serviceAccountUser`,
        `+ gcp:serviceaccount/iAMMember:IAMMember ${S}/newtool/sa/serviceAccountTokenCreator/${account}`,
      ].sort(),
    );
    // The one change: the new writers group joins the shared project's viewers (iam.tf). Nothing is removed.
    expect(lines.filter((line) => /^[~-] /.test(line))).toEqual([`~ gcp:projects/iAMBinding:IAMBinding ${S}/iam/viewer`]);
    expect(plan.out()).toContain('\n    members[2]: (absent) → "group:k8s-infra-staging-newtool@kubernetes.io"\n');
    expect(lines[0]).toMatch(new RegExp(`^Plan diff: ${added.length} to add, 1 to change, 0 to remove \\(\\d+ unchanged\\)$`));
  });
});
