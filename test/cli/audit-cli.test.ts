import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAuditCommand } from "../../lib/cli/audit";
import { findFreePort } from "../harness/free-port";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";

const digest = `sha256:${"a".repeat(64)}`;

test("--help says what is found and the exit codes, exit 0", async () => {
  const captured = captureIo();
  expect(await runAuditCommand(["--help"], captured.io)).toBe(0);
  expect(captured.out()).toContain("Exit codes: 0 no findings; 1 any finding (or a repository could not be read); 2 invalid input or usage.");
  expect(captured.out()).toContain("credHelpers");
});

test("invalid manifests: every problem, exit 2, no registry read", async () => {
  const tree = await writePromotionTree([{ name: "p", source: "127.0.0.1:1/p", destinations: ["127.0.0.1:1/prod"], images: [] }]);
  await writeFile(join(tree, "images/p/images.yaml"), "- name: app\n  dmap:\n    sha256:abc: [v1]\n");
  const captured = captureIo();
  expect(await runAuditCommand(["--thin-manifest-dir", tree], captured.io)).toBe(2);
  expect(captured.err()).toBe(
    'images/p/images.yaml:3:5: [0].dmap["sha256:abc"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 3)\n' +
      "1 problem(s); no registry was read\n",
  );
});

test("a destination registry that is down: unreadable findings, exit 1, the JSON report written", async () => {
  const port = await findFreePort();
  const tree = await writePromotionTree([
    { name: "p", source: "127.0.0.1:1/p", destinations: [`127.0.0.1:${port}/prod`], images: [{ name: "app", dmap: { [digest]: ["v1"] } }] },
  ]);
  const dir = await mkdtemp(join(tmpdir(), "audit-cli-"));
  const captured = captureIo();
  expect(await runAuditCommand(["--thin-manifest-dir", tree, "--quiet", "--json", join(dir, "audit.json")], captured.io)).toBe(1);
  expect(captured.out()).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port}/prod\\n  unreadable: cannot be read: GET http://127\\.0\\.0\\.1:${port}/v2/prod/tags/list: `));
  expect(captured.out()).toContain(`127.0.0.1:${port}/prod/app\n  unreadable: cannot be read:`);
  expect(captured.out()).toMatch(/Audit: 2 finding\(s\): unreadable 2 \(1 repositories under 1 destination path\(s\)\)\n$/);
  expect(await readdir(dir)).toEqual(["audit.json"]);
});
