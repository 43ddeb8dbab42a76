import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig, type UserConfig } from "vite";

// The dashboard is served by `taskflow start` itself: `/` is dist/dashboard/index.html and
// `/assets/<file>` the hashed files (one flat folder, no subfolders). Its Content-Security-Policy
// allows no inline script or style, so nothing may be inlined into index.html.
const api = process.env.TASKFLOW_API_URL ?? "http://127.0.0.1:8080";

const config: UserConfig = {
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  publicDir: false,
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    // Files, never data: URIs, so every asset is an /assets/ URL the CSP allows.
    assetsInlineLimit: 0,
    // The polyfill is only for browsers without <link rel=modulepreload>; none needed here.
    modulePreload: { polyfill: false },
    target: "es2022",
    reportCompressedSize: true,
  },
  server: {
    // `npm run dashboard:dev`: the API of a node on port 8080 (TASKFLOW_API_URL to change it).
    // The Host header is kept, so the API's same-origin check of state-changing requests passes.
    proxy: { "/api": api, "/healthz": api },
  },
};

export default defineConfig(({ command }) => {
  // What `vite build` makes is what users are served: always a production build, whatever
  // NODE_ENV says (vitest sets "test"), or the Preact preset adds its devtools and the
  // development JSX transform. Vite reads NODE_ENV after loading this file.
  if (command === "build") process.env.NODE_ENV = "production";
  return config;
});
