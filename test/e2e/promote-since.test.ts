/**
 * End-to-end: `promote --since DURATION` acts only on the entries merged to the branch inside the window, so an
 * old entry that can never be promoted (its digest gone from staging) does not block new ones. "Merged when"
 * comes from the git history's first-parent commit dates (set here with GIT_COMMITTER_DATE).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTags, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { pushTagged } from "./fixtures/tagged-images";

const DAY = 86_400_000;
let staging: HarnessRegistry;
let prod: HarnessRegistry;
let tree: string;
const lost = `sha256:${"0".repeat(64)}`;

function git(when: number, ...args: string[]): string {
  const date = new Date(when).toISOString();
  return execFileSync("git", ["-c", "user.name=since test", "-c", "user.email=since@example.invalid", "-c", "init.defaultBranch=main", ...args], {
    cwd: tree,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  });
}

function appendEntry(name: string, digest: string, tag: string): void {
  const file = join(tree, "images/k8s-staging-p/images.yaml");
  const text = readFileSync(file, "utf8").replace("# No images yet\n", "");
  writeFileSync(file, `${text}- name: ${name}\n  dmap:\n    "${digest}": ["${tag}"]\n`);
}

beforeAll(async () => {
  [staging, prod] = await Promise.all([startRegistry(), startRegistry()]);
  const fresh = await pushTagged(`${staging.host}/p/fresh`, "since-fresh", ["v1"], { single: true });
  const branch = await pushTagged(`${staging.host}/p/branch`, "since-branch", ["v1"], { single: true });
  tree = await writePromotionTree([{ name: "k8s-staging-p", source: `${staging.host}/p`, destinations: [`${prod.host}/p`], images: [] }]);
  const now = Date.now();
  git(now - 30 * DAY, "init", "--quiet");
  git(now - 30 * DAY, "add", ".");
  git(now - 30 * DAY, "commit", "--quiet", "-m", "set up p");
  // Ten days ago: an entry whose digest staging no longer has (it can never be promoted).
  appendEntry("lost", lost, "v0");
  git(now - 10 * DAY, "commit", "--quiet", "-am", "lost");
  // A branch whose own commit is five days old, merged two hours ago: its entry counts as merged then.
  git(now - 5 * DAY, "checkout", "--quiet", "-b", "feature");
  appendEntry("branch", branch.digest, "v1");
  git(now - 5 * DAY, "commit", "--quiet", "-am", "branch");
  git(now - 5 * DAY, "checkout", "--quiet", "main");
  git(now - 2 * 3_600_000, "merge", "--quiet", "--no-ff", "-m", "merge feature", "feature");
  // An hour ago, directly on main: a new entry.
  appendEntry("fresh", fresh.digest, "v1");
  git(now - 3_600_000, "commit", "--quiet", "-am", "fresh");
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose()]);
});

test("without --since the old lost digest fails the run", async () => {
  const run = await runPromote(["--thin-manifest-dir", tree]);
  expectExitCode(run, 1);
  expect(run.stdout).toContain(`FAILED ${prod.host}/p/lost@${lost}`);
});

test("--since 1d promotes what was merged in the last day (a merged branch included), not the old entry", async () => {
  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm", "--since", "1d"]);
  expectExitCode(run, 0);
  expect(run.stderr).toMatch(/^--since 1d: entries merged after \S+ \(compared with [0-9a-f]{40}, the last commit before\)\n--diff-base [0-9a-f]{40}: 2 digest\(s\) added or changed, 1 unchanged\n/);
  expect(run.stdout).not.toContain("lost");
  expect(await listTags(`${prod.host}/p/fresh`)).toEqual(["v1"]);
  expect(await listTags(`${prod.host}/p/branch`)).toEqual(["v1"]);
});

test("a window longer than the history considers every entry", async () => {
  const run = await runPromote(["--thin-manifest-dir", tree, "--since", "60d"]);
  expectExitCode(run, 1);
  expect(run.stderr).toContain("(the whole history: it starts after that)");
});

test("a shallow clone is refused: when entries were merged is unknown there", async () => {
  const clone = mkdtempSync(join(tmpdir(), "since-shallow-"));
  execFileSync("git", ["clone", "--quiet", "--depth", "1", `file://${tree}`, clone]);
  const run = await runPromote(["--thin-manifest-dir", clone, "--since", "1d"]);
  expectExitCode(run, 2);
  expect(run.stderr).toBe(
    "error: --since: the clone is shallow, so when entries were added is unknown: fetch the whole history (actions/checkout: fetch-depth: 0)\n",
  );
});

test.each([
  [["--since", "7"], "error: option '--since <duration>' argument '7' is invalid. \"7\" is not a duration such as 36h, 7d or 1d12h (units s, m, h, d, w)\n"],
  [["--since", "0h"], "error: option '--since <duration>' argument '0h' is invalid. \"0h\" is not a positive duration\n"],
  [["--since", "1d", "--diff-base", "main"], "error: option '--since <duration>' cannot be used with option '--diff-base <rev>'\n"],
])("usage %j exits 2", async (argv, message) => {
  const run = await runPromote(["--thin-manifest-dir", tree, ...argv]);
  expectExitCode(run, 2);
  expect(run.stderr).toBe(message);
});
