import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../../support/backends.js";
import { gate, openTestTaskFlow, until, type TaskFlowFixture } from "../../support/taskflow-fixture.js";

describe.each(backends)("tf.once on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it("runs the function once per key and answers repeats with the recorded result", async () => {
    f = await openTestTaskFlow(backend);
    let runs = 0;
    const charge = () => {
      runs++;
      return { chargeId: `ch_${runs}` };
    };
    expect(await f.tf.once("charge:order-7", charge)).toEqual({ chargeId: "ch_1" });
    expect(await f.tf.once("charge:order-7", charge)).toEqual({ chargeId: "ch_1" });
    expect(await f.tf.once("charge:order-8", charge)).toEqual({ chargeId: "ch_2" });
    expect(runs).toBe(2);
  });

  it("records nothing when the function fails, so the next call runs it again", async () => {
    f = await openTestTaskFlow(backend);
    let runs = 0;
    const flaky = () => {
      runs++;
      if (runs === 1) throw new Error("downstream timeout");
      return "ok";
    };
    await expect(f.tf.once("k", flaky)).rejects.toThrow("downstream timeout");
    expect(await f.tf.once("k", flaky)).toBe("ok");
    expect(runs).toBe(2);
  });

  it("makes a concurrent caller wait for the running call's result instead of running again", async () => {
    f = await openTestTaskFlow(backend);
    const release = gate<string>();
    let runs = 0;
    const first = f.tf.once("report", () => {
      runs++;
      return release.promise;
    });
    await until(() => runs === 1, "first call running");
    const second = f.tf.once("report", () => {
      runs++;
      return "second";
    });
    release.open("first");
    // The waiting caller polls on the clock; move it until it has read the result.
    let answered: string | undefined;
    void second.then((v) => (answered = v));
    await first;
    for (let i = 0; answered === undefined && i < 200; i++) {
      await f.clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(answered).toBe("first");
    expect(runs).toBe(1);
  });

  it("runs the function again once its result's ttl has passed", async () => {
    f = await openTestTaskFlow(backend);
    let runs = 0;
    const fn = () => ++runs;
    expect(await f.tf.once("daily", fn, { ttl: "1h" })).toBe(1);
    await f.clock.advance(3_599_000);
    expect(await f.tf.once("daily", fn, { ttl: "1h" })).toBe(1);
    await f.clock.advance(1_000);
    expect(await f.tf.once("daily", fn, { ttl: "1h" })).toBe(2);
  });

  it("takes over a key whose owner stopped renewing its claim (crashed)", async () => {
    f = await openTestTaskFlow(backend);
    // A call that crashed while running: its claim exists, no result, no renewals.
    expect(await f.tf.store.flow.claimOnce("crashy", "dead-owner", f.clock.now(), 30_000, 3_600_000)).toEqual(
      {
        kind: "owned",
      },
    );
    const waiting = f.tf.once("crashy", () => "recovered", { wait: "2m" });
    let answered: string | undefined;
    void waiting.then((v) => (answered = v));
    for (let i = 0; answered === undefined && i < 400; i++) {
      await f.clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(answered).toBe("recovered");
    expect(await f.tf.store.flow.completeOnce("crashy", "dead-owner", '"late"', f.clock.now(), 1000)).toBe(
      false,
    );
    expect(await f.tf.once("crashy", () => "again")).toBe("recovered");
  });

  it("gives up waiting with ONCE_BUSY after the wait", async () => {
    f = await openTestTaskFlow(backend);
    await f.tf.store.flow.claimOnce("held", "other", f.clock.now(), 3_600_000, 3_600_000);
    const waiting = f.tf.once("held", () => "never", { wait: "1s" });
    let failure: unknown;
    void waiting.catch((error: unknown) => (failure = error));
    for (let i = 0; failure === undefined && i < 100; i++) {
      await f.clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(failure).toMatchObject({ code: "ONCE_BUSY" });
  });

  it("rejects an empty key", async () => {
    f = await openTestTaskFlow(backend);
    await expect(f.tf.once("", () => 1)).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});
