import { parseDuration } from "../../lib/promote/diff-base/since";

test.each([
  ["90s", 90_000],
  ["90m", 5_400_000],
  ["36h", 129_600_000],
  ["7d", 604_800_000],
  ["1d12h", 129_600_000],
  ["2w", 1_209_600_000],
])("parseDuration(%s) = %i ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

test.each(["", "7", "d", "1.5d", "-1d", "1 d", "1y", "0m0s"])("parseDuration refuses %j", (text) => {
  expect(() => parseDuration(text)).toThrow(/is not a (positive )?duration/);
});
