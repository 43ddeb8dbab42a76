// An example task module: `npx taskflow start --tasks ./examples/tasks.mjs`.
// A task module exports register(tf), which declares tasks and may enqueue work.

/** @param {import("taskflow").TaskFlow} tf */
export async function register(tf) {
  tf.task("hello", {
    async run(ctx) {
      await ctx.log.info(`hello, ${ctx.payload.name}`);
      return { greeted: ctx.payload.name };
    },
  });
  // Something to see on the first start; the key makes restarts within a day add nothing.
  const job = await tf.enqueue(
    "hello",
    { name: "TaskFlow" },
    { idempotencyKey: `hello-${new Date().toISOString().slice(0, 10)}` },
  );
  console.error(`example job ${job.id} ${job.created ? "enqueued" : "was already enqueued today"}`);
}
