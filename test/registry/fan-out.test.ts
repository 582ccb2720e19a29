import { fanOut } from "../../lib/registry/fan-out";

/** A source of `chunks` that counts how many chunks were pulled from it and whether it was cancelled. */
function countingSource(chunks: readonly string[]): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let index = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index >= chunks.length) return controller.close();
      controller.enqueue(new TextEncoder().encode(chunks[index++]!));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => index, cancelled: () => cancelled };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += new TextDecoder().decode(chunk);
  return text;
}

const decode = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

/** Lets every queued promise callback run, so "has not happened yet" is a fact, not a race. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("fanOut", () => {
  test.each([1, 2, 3, 5])("%i branches each receive every chunk, in order, from one read of the source", async (count) => {
    const source = countingSource(["a", "bb", "ccc"]);
    const branches = fanOut(source.stream, count);
    const texts = await Promise.all(branches.map((branch) => readAll(branch.stream)));
    expect(texts).toEqual(Array.from({ length: count }, () => "abbccc"));
    expect(source.pulled()).toBe(3);
  });

  it("lets a fast branch read ahead of a slow one by at most lagBytes, and reads nothing nobody asked for", async () => {
    const source = countingSource(["a", "b", "c", "d"]);
    const [fast, slow] = fanOut(source.stream, 2, { lagBytes: 2, graceMs: 60_000 });
    await settle();
    expect(source.pulled()).toBe(0);
    const fastReader = fast!.stream.getReader();
    const slowReader = slow!.stream.getReader();
    expect(decode((await fastReader.read()).value)).toBe("a");
    expect(decode((await fastReader.read()).value)).toBe("b");
    // The slow branch holds "a" and "b" unread: two bytes, the bound. The fast one waits.
    let third: string | undefined;
    const thirdRead = fastReader.read().then((result) => (third = decode(result.value)));
    await settle();
    expect([source.pulled(), third]).toEqual([2, undefined]);
    expect(decode((await slowReader.read()).value)).toBe("a");
    await thirdRead;
    expect([source.pulled(), third]).toEqual([3, "c"]);
  });

  it("cuts out a branch that stays that far behind for the grace period; the others finish", async () => {
    const source = countingSource(["a", "b", "c"]);
    const [fast, stuck] = fanOut(source.stream, 2, { lagBytes: 1, graceMs: 30, cutError: () => new Error("fell behind") });
    const stuckReader = stuck!.stream.getReader();
    expect(await readAll(fast!.stream)).toBe("abc");
    // What it had queued before the cut is dropped; its stream ends with the cut error.
    await expect(stuckReader.read()).rejects.toThrow("fell behind");
  });

  it("lets the other branches finish when one is detached while locked and mid-stream", async () => {
    const source = countingSource(["a", "b", "c"]);
    const [kept, dropped] = fanOut(source.stream, 2);
    const droppedReader = dropped!.stream.getReader();
    const keptText = readAll(kept!.stream);
    await droppedReader.read();
    dropped!.detach();
    expect(await keptText).toBe("abc");
    await expect(droppedReader.read()).rejects.toThrow("fan-out branch detached");
    expect(source.cancelled()).toBe(false);
  });

  it("lets the other branches finish when one is cancelled by its consumer", async () => {
    const source = countingSource(["a", "b"]);
    const [kept, cancelled] = fanOut(source.stream, 2);
    await cancelled!.stream.cancel();
    expect(await readAll(kept!.stream)).toBe("ab");
  });

  it("cancels the source once every branch is detached, and ignores detaching again", async () => {
    const source = countingSource(["a", "b", "c"]);
    const branches = fanOut(source.stream, 2);
    for (const branch of branches) branch.detach();
    branches[0]!.detach();
    await settle();
    expect(source.cancelled()).toBe(true);
    expect(source.pulled()).toBe(0);
  });

  it("errors every branch with the source's own error", async () => {
    const failure = new Error("digest mismatch");
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(failure);
        sent = true;
        controller.enqueue(new Uint8Array([1]));
      },
    }, { highWaterMark: 0 });
    const branches = fanOut(source, 3);
    const outcomes = await Promise.allSettled(branches.map((branch) => readAll(branch.stream)));
    expect(outcomes).toEqual(branches.map(() => ({ status: "rejected", reason: failure })));
  });

  test.each([0, -1, 1.5, Number.NaN])("refuses %p branches", (count) => {
    expect(() => fanOut(new ReadableStream(), count)).toThrow(`branch count must be a positive integer, got ${count}`);
  });
});
