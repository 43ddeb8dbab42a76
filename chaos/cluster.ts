// cluster.ts — a fixed number of node slots, each running one `chaos-node` process at a time.
// A killed node is replaced in its slot by a new process with a new generation in its id
// (`n1-g3`), so ledgers and leases always say which process did what. Every child's seed is
// forked from the scenario's PRNG by its id.
import { CHILD_SCRIPTS, isReady, type ChildWorker, type ChildWorkers, type Signal } from "./child-workers.js";
import type { ChaosDatabase } from "./chaos-database.js";
import type { ChaosChildEnv } from "./processes/chaos-env.js";
import type { Random } from "./random.js";
import { waitFor } from "./wait.js";

export type NodeSettings = Omit<ChaosChildEnv, "database" | "schema" | "workerId" | "seed">;

export class Cluster {
  readonly nodes: ChildWorker[] = [];
  #generation = 0;

  constructor(
    readonly children: ChildWorkers,
    readonly db: ChaosDatabase,
    private readonly random: Random,
    private readonly settings: NodeSettings,
    /** Extra environment for a slot's processes (libfaketime for one of them, say). */
    private readonly extraEnv: (slot: number) => Record<string, string> = () => ({}),
  ) {}

  /** Starts `count` nodes at once and waits until every one has started. */
  async start(count: number, timeoutMs = 60_000): Promise<void> {
    for (let slot = 0; slot < count; slot++) this.nodes.push(this.#spawn(slot));
    await this.waitAllReady(timeoutMs);
  }

  #spawn(slot: number): ChildWorker {
    const workerId = `n${slot}-g${this.#generation++}`;
    return this.children.spawn(
      CHILD_SCRIPTS.node,
      {
        ...this.settings,
        database: this.db.url,
        schema: this.db.schema,
        workerId,
        seed: this.random.fork(workerId).seed,
      },
      this.extraEnv(slot),
    );
  }

  /** Replaces the process in `slot` (already ended) with a new one; does not wait for it. */
  restart(slot: number): ChildWorker {
    const node = this.#spawn(slot);
    this.nodes[slot] = node;
    return node;
  }

  node(slot: number): ChildWorker {
    const node = this.nodes[slot];
    if (node === undefined) throw new Error(`no node in slot ${slot}`);
    return node;
  }

  /** Slots whose node has started and is alive. */
  readySlots(): number[] {
    return this.nodes.flatMap((node, slot) => (isReady(node) && node.exit === null ? [slot] : []));
  }

  async waitAllReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        this.children.failIfAnyCrashed();
        return this.nodes.every(isReady);
      },
      timeoutMs,
      "every node to start",
    );
  }

  signal(slot: number, signal: Signal): Promise<void> {
    return this.children.signal(this.node(slot), signal);
  }

  /** SIGTERM to every node (a graceful stop); true if every one exited with code 0. */
  async stopAll(): Promise<boolean> {
    const alive = this.nodes.filter((node) => node.exit === null);
    await Promise.all(alive.map((node) => this.children.signal(node, "SIGTERM")));
    return alive.every((node) => node.exit?.code === 0);
  }
}
