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

  it("reads the next chunk only when every branch has asked for it", async () => {
    const source = countingSource(["a", "b", "c"]);
    const [fast, slow] = fanOut(source.stream, 2);
    const fastReader = fast!.stream.getReader();
    const slowReader = slow!.stream.getReader();
    let fastGotFirst = false;
    const firstRead = fastReader.read().then((result) => ((fastGotFirst = true), result));
    await settle();
    expect(source.pulled()).toBe(0);
    expect(fastGotFirst).toBe(false);

    expect(new TextDecoder().decode((await slowReader.read()).value)).toBe("a");
    expect(new TextDecoder().decode((await firstRead).value)).toBe("a");
    expect(source.pulled()).toBe(1);
    // The fast branch asks again; the slow one has not: the source stays one chunk behind.
    const secondRead = fastReader.read();
    await settle();
    expect(source.pulled()).toBe(1);
    await slowReader.read();
    expect(new TextDecoder().decode((await secondRead).value)).toBe("b");
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
