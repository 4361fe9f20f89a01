// Keeps the tree's layering from drifting: apps → packages → generated ABIs, no app importing another
// app, and no import cycles inside a workspace. Reads every TypeScript file's imports with the compiler.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

/** Which workspace a file belongs to: "sdk", "node-kit", "app:provider", …; undefined outside them. */
function workspaceOf(file: string): string | undefined {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === "packages" && rel[1]) return rel[1];
  if (rel[0] === "apps" && rel[1]) return `app:${rel[1]}`;
  return undefined;
}

/** The workspace an `@ocx/…` package name stands for. */
const PACKAGES: Record<string, string> = {
  "@ocx/sdk": "sdk",
  "@ocx/node-kit": "node-kit",
  "@ocx/provider": "app:provider",
  "@ocx/cli": "app:cli",
};

/** What each workspace may import, besides itself and third-party packages. */
const ALLOWED: Record<string, string[]> = {
  sdk: [],
  "node-kit": ["sdk"],
};
const allowedFrom = (from: string) => (from.startsWith("app:") ? ["sdk", "node-kit"] : (ALLOWED[from] ?? []));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/** The import and export-from specifiers of a file (type-only ones included: they shape the design too). */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);
}

/** Resolves a relative specifier (`./x.js`) to the TypeScript file it names, if it exists in `files`. */
function resolveRelative(from: string, spec: string, files: Set<string>): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.(m?js)$/, ".ts"), `${base}.ts`, path.join(base, "index.ts")];
  return candidates.find((c) => files.has(c));
}

interface Edge {
  from: string;
  to: string;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function findCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}

function scanTree() {
  const files = [
    ...sourceFiles(path.join(ROOT, "packages")),
    ...sourceFiles(path.join(ROOT, "apps")),
    ...sourceFiles(path.join(ROOT, "e2e")),
    ...sourceFiles(path.join(ROOT, "bench")),
  ];
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const crossings: Edge[] = [];
  for (const file of files) {
    const from = workspaceOf(file);
    const local: string[] = [];
    for (const spec of importsOf(file)) {
      let target: string | undefined;
      if (spec.startsWith(".")) {
        const resolved = resolveRelative(file, spec, known);
        if (resolved) {
          local.push(resolved);
          target = workspaceOf(resolved);
        }
      } else {
        const name = spec.split("/").slice(0, 2).join("/");
        target = PACKAGES[name];
      }
      if (!from || !target || target === from) continue;
      if (!allowedFrom(from).includes(target)) {
        crossings.push({ from: path.relative(ROOT, file), to: `${spec} (${target})` });
      }
    }
    graph.set(file, local);
  }
  return { files, graph, crossings };
}

describe("layering", () => {
  const { files, graph, crossings } = scanTree();

  it("finds the tree's TypeScript files", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("points one way: apps → packages → generated ABIs; no app imports another app", () => {
    expect(crossings).toEqual([]);
  });

  it("keeps the generated ABIs free of imports from the code that uses them", () => {
    const generated = files.filter((f) => f.includes(`${path.sep}generated${path.sep}`));
    const outward = generated.flatMap((f) =>
      (graph.get(f) ?? [])
        .filter((t) => !t.includes(`${path.sep}generated${path.sep}`))
        .map((t) => `${path.relative(ROOT, f)} → ${path.relative(ROOT, t)}`),
    );
    expect(outward).toEqual([]);
  });

  it("has no import cycles", () => {
    const cycles = findCycles(graph).map((c) => c.map((f) => path.relative(ROOT, f)));
    expect(cycles).toEqual([]);
  });

  it("detects a cycle and a crossing when there is one (the checks themselves work)", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
      ["e", ["e"]],
    ]);
    expect(findCycles(g)).toEqual([["a", "b", "c"], ["e"]]);
    expect(allowedFrom("sdk")).not.toContain("node-kit");
    expect(allowedFrom("app:cli")).not.toContain("app:provider");
  });
});
