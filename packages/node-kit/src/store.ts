// The SQLite file every OCX daemon keeps its state in, with numbered migrations.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type Store = Database.Database;

/**
 * Opens (or creates) a SQLite database in WAL mode and applies the migrations it has not seen.
 * Each migration runs once, in order, inside a transaction; the applied count is kept in `user_version`.
 * @example
 * const db = openStore("state/provider.db", ["CREATE TABLE lease (id TEXT PRIMARY KEY)"]);
 */
export function openStore(file: string, migrations: readonly string[]): Store {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  const applied = db.pragma("user_version", { simple: true }) as number;
  if (applied > migrations.length) {
    throw new Error(
      `${file} was written by a newer version (schema ${applied}, this version knows ${migrations.length}); upgrade first`,
    );
  }
  for (let i = applied; i < migrations.length; i++) {
    db.transaction(() => {
      db.exec(migrations[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}
