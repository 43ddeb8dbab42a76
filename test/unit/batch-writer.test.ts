import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { FakeClock } from "../../src/time/fake-clock.js";
import { BatchWriter } from "../../src/worker/batch-writer.js";

interface Outcome {
  id: string;
  value?: number;
}

type Write = (items: Outcome[]) => Promise<Set<string>>;

const acceptAll: Write = (items) => Promise.resolve(new Set(items.map((item) => item.id)));

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(write: Write = acceptAll, options: { giveUpAfterMs?: number; maxBatch?: number } = {}) {
  const clock = new FakeClock();
  const logger = pino({ level: "silent" });
  const writeSpy = vi.fn(write);
  const writer = new BatchWriter<Outcome>(
    writeSpy,
    clock,
    logger,
    options.giveUpAfterMs ?? 30_000,
    options.maxBatch,
  );
  const batches = () => writeSpy.mock.calls.map(([items]) => items.map((item) => item.id));
  return { clock, logger, writer, write: writeSpy, batches };
}

/** Lets the writer's microtasks and promise chains run without moving the clock. */
const settle = (clock: FakeClock) => clock.advance(0);

describe("BatchWriter", () => {
  it("writes the items added in one tick in one batch", async () => {
    const { writer, batches } = setup();
    const results = Promise.all([writer.add({ id: "1" }), writer.add({ id: "2" }), writer.add({ id: "3" })]);
    await expect(results).resolves.toEqual([true, true, true]);
    expect(batches()).toEqual([["1", "2", "3"]]);
  });

  it("passes the items themselves to the write", async () => {
    const { writer, write } = setup();
    await writer.add({ id: "1", value: 42 });
    expect(write).toHaveBeenCalledWith([{ id: "1", value: 42 }]);
  });

  it("resolves false for the items the write did not accept", async () => {
    const { writer } = setup(() => Promise.resolve(new Set(["2"])));
    const results = await Promise.all([
      writer.add({ id: "1" }),
      writer.add({ id: "2" }),
      writer.add({ id: "3" }),
    ]);
    expect(results).toEqual([false, true, false]);
  });

  it("writes the items added while a batch is in flight together in the next batch", async () => {
    const first = deferred<Set<string>>();
    const { clock, writer, batches } = setup((items) =>
      items[0]?.id === "1" ? first.promise : acceptAll(items),
    );
    const a = writer.add({ id: "1" });
    await settle(clock);
    expect(batches()).toEqual([["1"]]);
    const b = writer.add({ id: "2" });
    await settle(clock);
    const c = writer.add({ id: "3" });
    await settle(clock);
    expect(batches()).toEqual([["1"]]);
    first.resolve(new Set(["1"]));
    await expect(Promise.all([a, b, c])).resolves.toEqual([true, true, true]);
    expect(batches()).toEqual([["1"], ["2", "3"]]);
  });

  it("writes an item added when the writer is idle at once, alone", async () => {
    const { clock, writer, batches } = setup();
    await writer.add({ id: "1" });
    await settle(clock);
    await writer.add({ id: "2" });
    expect(batches()).toEqual([["1"], ["2"]]);
  });

  it("splits a batch larger than maxBatch", async () => {
    const { writer, batches } = setup(acceptAll, { maxBatch: 2 });
    const results = await Promise.all(["1", "2", "3", "4", "5"].map((id) => writer.add({ id })));
    expect(results).toEqual([true, true, true, true, true]);
    expect(batches()).toEqual([["1", "2"], ["3", "4"], ["5"]]);
  });

  it("retries a failing write as the clock advances, then reports the items accepted", async () => {
    let failures = 2;
    const { clock, writer, write } = setup(async (items) => {
      if (failures-- > 0) throw new Error("connection terminated");
      return acceptAll(items);
    });
    let accepted: boolean | undefined;
    void writer.add({ id: "1" }).then((value) => (accepted = value));
    await settle(clock);
    expect(write).toHaveBeenCalledTimes(1);
    await clock.advance(99);
    expect(write).toHaveBeenCalledTimes(1);
    await clock.advance(1); // first retry after 100 ms
    expect(write).toHaveBeenCalledTimes(2);
    await clock.advance(199);
    expect(write).toHaveBeenCalledTimes(2);
    await clock.advance(1); // second retry 200 ms later
    expect(write).toHaveBeenCalledTimes(3);
    expect(accepted).toBe(true);
  });

  it("retries the same items in the same batch", async () => {
    let failures = 1;
    const { clock, writer, batches } = setup(async (items) => {
      if (failures-- > 0) throw new Error("deadlock detected");
      return acceptAll(items);
    });
    const results = Promise.all([writer.add({ id: "1" }), writer.add({ id: "2" })]);
    await settle(clock);
    await clock.advance(100);
    await expect(results).resolves.toEqual([true, true]);
    expect(batches()).toEqual([
      ["1", "2"],
      ["1", "2"],
    ]);
  });

  it("doubles the wait between retries up to 2 seconds", async () => {
    const { clock, writer, write } = setup(() => Promise.reject(new Error("down")), {
      giveUpAfterMs: 60_000,
    });
    void writer.add({ id: "1" });
    await settle(clock);
    const callTimes: number[] = [];
    const start = clock.now();
    for (let elapsed = 0; elapsed <= 10_000; elapsed += 50) {
      const before = write.mock.calls.length;
      await clock.advance(50);
      if (write.mock.calls.length > before) callTimes.push(clock.now() - start);
    }
    expect(callTimes).toEqual([100, 300, 700, 1_500, 3_100, 5_100, 7_100, 9_100]);
  });

  it("gives up past giveUpAfterMs and resolves the items false", async () => {
    const { clock, writer, write, logger } = setup(
      () => Promise.reject(new Error("the database system is starting up")),
      { giveUpAfterMs: 1_000 },
    );
    const error = vi.spyOn(logger, "error");
    let accepted: boolean | undefined;
    void writer.add({ id: "1" }).then((value) => (accepted = value));
    await settle(clock);
    await clock.advance(699);
    expect(accepted).toBeUndefined();
    await clock.advance(1); // attempts at 0, 100, 300 and 700 ms; the next would pass 1000 ms
    expect(accepted).toBe(false);
    expect(write).toHaveBeenCalledTimes(4);
    expect(error).toHaveBeenCalledOnce();
    await clock.advance(10_000);
    expect(write).toHaveBeenCalledTimes(4);
  });

  it("writes at most once when giveUpAfterMs is shorter than the first retry", async () => {
    const { clock, writer, write } = setup(() => Promise.reject(new Error("down")), { giveUpAfterMs: 50 });
    await expect(writer.add({ id: "1" })).resolves.toBe(false);
    await clock.advance(10_000);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it("treats a write that throws synchronously like one that rejects", async () => {
    let failures = 1;
    const { clock, writer } = setup((items) => {
      if (failures-- > 0) throw new Error("sync failure");
      return acceptAll(items);
    });
    const result = writer.add({ id: "1" });
    await settle(clock);
    await clock.advance(100);
    await expect(result).resolves.toBe(true);
  });

  it("writes new items normally after giving up on a batch", async () => {
    let down = true;
    const { clock, writer } = setup(
      async (items) => {
        if (down) throw new Error("down");
        return acceptAll(items);
      },
      { giveUpAfterMs: 500 },
    );
    const lost = writer.add({ id: "1" });
    await settle(clock);
    await clock.advance(1_000);
    await expect(lost).resolves.toBe(false);
    down = false;
    await expect(writer.add({ id: "2" })).resolves.toBe(true);
  });

  it("holds items added during retries for the batch after", async () => {
    let failures = 1;
    const { clock, writer, batches } = setup(async (items) => {
      if (failures-- > 0) throw new Error("down");
      return acceptAll(items);
    });
    const a = writer.add({ id: "1" });
    await settle(clock);
    const b = writer.add({ id: "2" });
    await clock.advance(100);
    await expect(Promise.all([a, b])).resolves.toEqual([true, true]);
    expect(batches()).toEqual([["1"], ["1"], ["2"]]);
  });

  it("says it is idle at once when nothing was added", async () => {
    const { writer } = setup();
    await expect(writer.idle()).resolves.toBeUndefined();
  });

  it("becomes idle only once everything added so far is written", async () => {
    const first = deferred<Set<string>>();
    const { clock, writer } = setup((items) => (items[0]?.id === "1" ? first.promise : acceptAll(items)));
    const results: boolean[] = [];
    void writer.add({ id: "1" }).then((r) => results.push(r));
    await settle(clock);
    void writer.add({ id: "2" }).then((r) => results.push(r));
    let idle = false;
    void writer.idle().then(() => (idle = true));
    await settle(clock);
    expect(idle).toBe(false);
    first.resolve(new Set(["1"]));
    await settle(clock);
    expect(idle).toBe(true);
    expect(results).toEqual([true, true]);
  });
});
