/**
 * A test-only fault switch for the storage layer, so tests (including the
 * browser tests against `next start`) can make uploads or deletes fail
 * deterministically. It exists only when TEST_FAULTS=1 *and* the app runs in
 * the embedded mode; with DATABASE_URL set (any real deployment) the storage
 * is never wrapped and the switch route answers 404.
 */
import { env, isEmbedded } from "@/lib/env";
import type { Storage } from "./types";

export type Faults = { storage_upload: boolean; storage_delete: boolean };

const globalForFaults = globalThis as unknown as { __takeoffFaults?: Faults };

export function faultsAvailable(): boolean {
  return env.TEST_FAULTS && isEmbedded;
}

export function currentFaults(): Faults {
  return (globalForFaults.__takeoffFaults ??= { storage_upload: false, storage_delete: false });
}

export function setFaults(patch: Partial<Faults>): Faults {
  Object.assign(currentFaults(), patch);
  return currentFaults();
}

class SimulatedOutage extends Error {
  constructor(what: string) {
    super(`The file store is unavailable (${what} failed: simulated outage).`);
    this.name = "SimulatedOutage";
  }
}

/** Wraps `storage` with the switch when faults are available; otherwise returns it untouched. */
export function withTestFaults(storage: Storage): Storage {
  if (!faultsAvailable()) return storage;
  return new Proxy(storage, {
    get(target, prop, receiver) {
      if (prop === "put" && currentFaults().storage_upload) {
        return async (_key: string, body: NodeJS.ReadableStream) => {
          (body as NodeJS.ReadableStream & { resume?: () => void }).resume?.();
          throw new SimulatedOutage("upload");
        };
      }
      if (prop === "delete" && currentFaults().storage_delete) {
        return async () => {
          throw new SimulatedOutage("delete");
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
