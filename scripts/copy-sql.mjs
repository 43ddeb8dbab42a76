// Copies the SQL files (migrations, queries, schema dump) next to the compiled JavaScript,
// so the published package finds them where the source does.
import { chmodSync, cpSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("../src/", import.meta.url).pathname;
const out = new URL("../dist/", import.meta.url).pathname;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".sql")) cpSync(path, join(out, relative(root, path)));
  }
}
walk(root);

// npm links the `taskflow` bin before `prepare` builds it, so the build makes it executable.
chmodSync(join(out, "cli", "main.js"), 0o755);
