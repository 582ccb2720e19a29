import { readFileSync } from "node:fs";
import { PROMOTER_NODE_FLAGS } from "../../bench/promote/compile-cli";

test("the benchmarks run the promoter with the Node flags `npm run promote` uses", () => {
  const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
  const promoteFlags = scripts.promote!.split(" ").filter((word) => word.startsWith("--max-"));
  expect(promoteFlags).toEqual([...PROMOTER_NODE_FLAGS]);
});
