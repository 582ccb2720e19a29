import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import { captureIo } from "../support/capture-io";

const corpus = join(__dirname, "../../../shared/corpus/k8s.io/registry.k8s.io");

describe("promote command line: input handling (no registry is contacted)", () => {
  it("--help explains exit codes and credentials and exits 0", async () => {
    const b = captureIo();
    expect(await runPromoteCli(["--help"], b.io)).toBe(EXIT.ok);
    expect(b.out()).toContain("Exit codes: 0 success or nothing to do; 1 something failed");
    expect(b.out()).toContain("GOOGLE_OAUTH_ACCESS_TOKEN");
  });

  it.each([
    [[], "error: give --thin-manifest-dir DIR or --manifest FILE (see --help)\n"],
    [["--thin-manifest-dir", "a", "--manifest", "b"], "error: option '--thin-manifest-dir <dir>' cannot be used with option '--manifest <file>'\n"],
    [["--manifest", "m.yaml", "--concurrency", "0"], "error: option '--concurrency <n>' argument '0' is invalid. must be a positive integer\n"],
    [["--bogus"], "error: unknown option '--bogus'\n"],
  ])("usage error %j exits 2", async (argv, message) => {
    const b = captureIo();
    expect(await runPromoteCli(argv, b.io)).toBe(EXIT.invalid);
    expect(b.err()).toBe(message);
  });

  it("the real k8s.io tree: exits 2 on its one 63-hex digest, writes no JSON report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promote-cli-"));
    const b = captureIo();
    const code = await runPromoteCli(["--thin-manifest-dir", corpus, "--json", join(dir, "report.json")], b.io);
    expect(code).toBe(EXIT.invalid);
    expect(b.err()).toBe(
      'images/k8s-staging-ingress-nginx/images.yaml:203:5: [7].dmap["sha256:23eb4b1775fbaa2adca55c73cf0341e1224d6308689b6f4b3aa1523312eb81c"]: ' +
        'digest must be "sha256:" followed by 64 lowercase hex characters (got 63)\n' +
        "1 problem(s); nothing was read or written\n",
    );
    expect(b.out()).toBe("");
    expect(await readdir(dir)).toEqual([]);
  });

  it("a missing fat manifest file exits 2 naming the file", async () => {
    const b = captureIo();
    expect(await runPromoteCli(["--manifest", "/nonexistent/promoter-manifest.yaml"], b.io)).toBe(EXIT.invalid);
    expect(b.err()).toContain("/nonexistent/promoter-manifest.yaml");
  });
});
