import { registryEndpoint, runAddImageCommand } from "../../lib/cli/add-image";
import { writePromotionTree } from "../harness/promotion-tree";
import { captureIo } from "../support/capture-io";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

test("--help explains the selectors, refusals and exit codes, exit 0", async () => {
  const captured = captureIo();
  expect(await runAddImageCommand(["--help"], captured.io)).toBe(0);
  for (const text of ["REPOSITORY:TAG, REPOSITORY:PATTERN", "the tag latest (it moves)", "Exit codes: 0 added", "--dry-run", "credHelpers"]) {
    expect(captured.out()).toContain(text);
  }
});

test.each([
  [[], "error: missing required argument 'ref'\n"],
  [["--registry-endpoint", "gcr.io", "r/a:b"], "error: option '--registry-endpoint <host=url>' argument 'gcr.io' is invalid. expected HOST=URL, e.g. gcr.io=http://127.0.0.1:5000\n"],
])("usage %j exits 2", async (argv, message) => {
  const captured = captureIo();
  expect(await runAddImageCommand(argv, captured.io)).toBe(2);
  expect(captured.err()).toBe(message);
});

test.each([
  ["gcr.io=http://127.0.0.1:5000", [["gcr.io", "http://127.0.0.1:5000"]]],
  ["gcr.io=https://mirror.example/", [["gcr.io", "https://mirror.example"]]],
])("registryEndpoint(%s)", (value, expected) => expect([...registryEndpoint(value, new Map())]).toEqual(expected));

test.each(["=http://x", "gcr.io=", "gcr.io=ftp://x", "gcr.io=http://x/path", "gcr.io=http://x?q"])("registryEndpoint refuses %s", (value) => {
  expect(() => registryEndpoint(value, new Map())).toThrow("expected HOST=URL");
});

test("invalid manifests in the tree: every problem, exit 2, no registry read", async () => {
  const tree = await writePromotionTree([{ name: "p", source: "127.0.0.1:1/p", destinations: ["127.0.0.1:1/prod"], images: [] }]);
  await writeFile(join(tree, "images/p/images.yaml"), "- name: App\n  dmap: {}\n");
  const captured = captureIo();
  expect(await runAddImageCommand(["--thin-manifest-dir", tree, "127.0.0.1:1/p/app:v1"], captured.io)).toBe(2);
  expect(captured.err()).toBe(
    "images/p/images.yaml:1:9: [0].name: image name must be lowercase components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'\n" +
      "add-image: nothing written: 1 problem(s) in the manifests; fix them first\n",
  );
});
