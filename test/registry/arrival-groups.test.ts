/** groupByArrival: what answers close together goes on together, what answers late goes on in a later group. */
import { groupByArrival } from "../../lib/registry/arrival-groups";

const after = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

test("answers within the window form one group, closed as soon as every check has answered", async () => {
  // A window far beyond the test's timeout: the group can only close because every check has answered.
  const groups = await Promise.all(groupByArrival([after(5, true), after(1, true), after(10, true)], (joins) => joins, 600_000));
  expect(groups[0]).toEqual([1, 0, 2]);
  expect(groups[1]).toBe(groups[0]);
  expect(groups[2]).toBe(groups[0]);
});

test("an answer after the window opens the next group; answers that do not join and rejections belong to none", async () => {
  const checks = [after(1, true), after(300, true), after(2, false), Promise.reject(new Error("refused")), after(3, true)];
  const groups = await Promise.all(groupByArrival(checks, (joins) => joins, 50));
  expect(groups[0]).toEqual([0, 4]);
  expect(groups[4]).toBe(groups[0]);
  expect(groups[1]).toEqual([1]);
  expect(groups[2]).toBeUndefined();
  expect(groups[3]).toBeUndefined();
});

test("no checks, no groups", () => {
  expect(groupByArrival([], () => true)).toEqual([]);
});
