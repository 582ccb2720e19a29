/**
 * The promote command's limit options: parsed and explained before any registry is contacted.
 */
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import { captureIo } from "../support/capture-io";

test("--help explains --max-rps, its default and the per-host limits", async () => {
  const b = captureIo();
  expect(await runPromoteCli(["--help"], b.io)).toBe(EXIT.ok);
  const help = b.out().replace(/\s+/g, " ");
  expect(help).toContain("--max-rps <n> requests per second per registry host, every request counted (reads, token requests, redirects)");
  expect(help).toContain("(default: 250)");
  expect(help).toContain("--max-rps requests per second, every request counted (default 250, a quarter of that quota;");
  expect(help).toContain("at most max(64, 8 × --concurrency) requests in flight");
  expect(help).toContain("A 429 cuts the host's rate by the share of its recent answers that were 429s");
  expect(help).toContain("tried up to 2 more times, a few seconds later, while the others go on");
});

test.each([
  ["0", "error: option '--max-rps <n>' argument '0' is invalid. must be a positive number\n"],
  ["-3", "error: option '--max-rps <n>' argument '-3' is invalid. must be a positive number\n"],
  ["fast", "error: option '--max-rps <n>' argument 'fast' is invalid. must be a positive number\n"],
  ["Infinity", "error: option '--max-rps <n>' argument 'Infinity' is invalid. must be a positive number\n"],
])("--max-rps %s is a usage error (exit 2)", async (value, message) => {
  const b = captureIo();
  expect(await runPromoteCli(["--manifest", "m.yaml", "--max-rps", value], b.io)).toBe(EXIT.invalid);
  expect(b.err()).toBe(message);
});

test("a fractional --max-rps is accepted (the manifest is read next, so a missing one exits 2 naming it)", async () => {
  const b = captureIo();
  expect(await runPromoteCli(["--manifest", "/nonexistent/fat.yaml", "--max-rps", "0.5"], b.io)).toBe(EXIT.invalid);
  expect(b.err()).toContain("/nonexistent/fat.yaml");
  expect(b.err()).not.toContain("--max-rps");
});
