// Regenerates src/store/postgres/schema.sql from the migrations (on an in-memory PGlite).
import { writeFileSync } from "node:fs";
import { pino } from "pino";
import { openStore } from "../src/store/open-store.js";
import { dumpSchema } from "../src/store/postgres/schema-dump.js";
import { SystemClock } from "../src/time/system-clock.js";

const store = await openStore({ dataDir: "memory://" }, new SystemClock(), pino({ level: "warn" }));
const text = await dumpSchema(store.driver, "taskflow");
await store.close();
writeFileSync(new URL("../src/store/postgres/schema.sql", import.meta.url), text);
console.log("wrote src/store/postgres/schema.sql");
