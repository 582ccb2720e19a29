import { createProgress, formatBytes } from "../../lib/promote/progress";

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (text: string) => chunks.push(text) }, text: () => chunks.join("") };
}

describe("createProgress", () => {
  it("prints one plain line per step when not live (CI logs)", () => {
    const out = capture(false);
    const progress = createProgress(out.stream, { live: false });
    progress.phase("copying", 2);
    progress.step("a@sha256:1");
    progress.step("b@sha256:2", "500 Internal Server Error");
    progress.note("done");
    progress.finish();
    expect(out.text()).toBe(
      "copying: 2 to do\n[1/2] a@sha256:1\nFAILED b@sha256:2: 500 Internal Server Error\ndone\n",
    );
  });

  it("redraws a single status line on a terminal, keeps failures and clears the line at the end", () => {
    const out = capture(true);
    let clock = 0;
    const progress = createProgress(out.stream, { live: true, now: () => clock });
    progress.phase("copying", 3);
    clock += 200;
    progress.addBytes(2048);
    progress.step("a");
    progress.step("b", "boom");
    clock += 200;
    progress.step("c");
    progress.finish();
    const text = out.text();
    expect(text).toContain("\r\x1b[Kcopying: 0/3");
    expect(text).toContain("\r\x1b[KFAILED b: boom\n");
    expect(text).toContain("copying: 3/3 · 2.0 KiB · 1 failed · c");
    expect(text.endsWith("\r\x1b[K")).toBe(true);
  });

  it("grows a phase by the work found while it runs, in the log and on the live line", () => {
    const log = capture(false);
    const plain = createProgress(log.stream, { live: false });
    plain.phase("reading registries", 1);
    plain.step("tags a");
    plain.more(2);
    plain.step("head a 1.0");
    expect(log.text()).toBe("reading registries: 1 to do\n[1/1] tags a\nreading registries: 2 more to do\n[2/3] head a 1.0\n");

    const terminal = capture(true);
    let clock = 0;
    const live = createProgress(terminal.stream, { live: true, now: () => clock });
    live.phase("reading registries", 1);
    live.more(2);
    clock += 200;
    live.step("tags a");
    expect(terminal.text()).toContain("reading registries: 1/3");
  });

  it("prints nothing when quiet", () => {
    const out = capture(true);
    const progress = createProgress(out.stream, { quiet: true });
    progress.phase("x", 1);
    progress.step("a", "err");
    progress.finish();
    expect(out.text()).toBe("");
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [5 * 1024 * 1024, "5.0 MiB"],
    [1024 ** 3, "1.0 GiB"],
  ])("%d → %s", (count, text) => expect(formatBytes(count)).toBe(text));
});
