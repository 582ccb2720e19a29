/**
 * Groups work by when its checks answer, so one slow answer (a `Retry-After`, a backoff) does not hold up the
 * rest: what answers close together goes on together, what answers late goes on in a later group.
 */

/**
 * How long a group stays open for more members after its first one: half a second. Checks sent together answer
 * within a few hundred milliseconds of each other even from registries on other continents or on a busy machine,
 * while one waiting out a `Retry-After` (a second or more) or a string of backoffs is later: what comes in the
 * window shares one source read, what comes later goes on without holding up the rest.
 */
export const JOIN_WINDOW_MS = 500;

/**
 * Splits the items whose check answers with a value `joins` accepts into groups by arrival: the first such answer
 * opens a group, which closes once every check has answered or `windowMs` after it opened, whichever is first; an
 * answer after that opens the next group. A check that rejects or is not accepted belongs to no group.
 *
 * @param checks one check per item
 * @param joins whether an item with this answer takes part
 * @param windowMs how long a group stays open; default {@link JOIN_WINDOW_MS}
 * @returns per item, a promise of its group (the items' indexes, in arrival order, the same array for every member)
 *   once the group is closed, or of undefined when the item takes no part; never rejects
 * @example const groups = groupByArrival(destinations.map(isMissing), (missing) => missing);
 * // destinations found missing together are copied together
 */
export function groupByArrival<T>(
  checks: readonly Promise<T>[],
  joins: (answer: T) => boolean,
  windowMs: number = JOIN_WINDOW_MS,
): Promise<readonly number[] | undefined>[] {
  const closers: Array<(group: readonly number[] | undefined) => void> = [];
  const memberships = checks.map(() => new Promise<readonly number[] | undefined>((resolve) => closers.push(resolve)));
  let pending = checks.length;
  let open: { members: number[]; timer: ReturnType<typeof setTimeout> } | undefined;
  const close = () => {
    if (open === undefined) return;
    const { members, timer } = open;
    clearTimeout(timer);
    open = undefined;
    for (const member of members) closers[member]!(members);
  };
  checks.forEach((check, index) => {
    const answered = (takesPart: boolean) => {
      pending--;
      if (!takesPart) closers[index]!(undefined);
      else if (open !== undefined) open.members.push(index);
      else open = { members: [index], timer: setTimeout(close, windowMs) };
      if (pending === 0) close();
    };
    check.then((answer) => answered(joins(answer)), () => answered(false));
  });
  return memberships;
}
