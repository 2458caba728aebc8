/** The condition-by-condition walk of the nested formats (JSON, OST): open a condition, write its measurements in runs, close it. */
import type { Writable } from "node:stream";
import { TextOutput } from "./text-output";
import type { ExportSource, Progress, SourceCondition, SourceMeasurement } from "./types";

/** Rows of one condition a nested format writes in one go (JSON stringifies them in one call). */
const RUN_ROWS = 8;

/** How a nested format writes a condition, its measurements, and its end. */
export type NestedWriter = {
  open(condition: SourceCondition, index: number): string;
  /** Writes consecutive measurements of one condition; `first` is the index in its condition of the first. */
  items(run: SourceMeasurement[], first: number, text: TextOutput): void;
  close(condition: SourceCondition, items: number): string;
};

/**
 * Streams the measurements nested under their conditions (JSON, OST): rows
 * arrive grouped by condition in condition order, and every condition is
 * written, with or without rows. Returns the number of rows written.
 */
export async function writeNestedByCondition(source: ExportSource, out: Writable, progress: Progress, w: NestedWriter): Promise<number> {
  const position = new Map(source.conditions.map((c, i) => [c.id, i]));
  const text = new TextOutput(out);
  let index = -1;
  let items = 0;
  let records = 0;
  /** Closes the open condition and opens the following ones up to `target`. */
  const advanceTo = (target: number) => {
    while (index < target) {
      if (index >= 0) text.add(w.close(source.conditions[index], items));
      index++;
      items = 0;
      text.add(w.open(source.conditions[index], index));
    }
  };
  for await (const batch of source.measurements()) {
    for (let i = 0; i < batch.length;) {
      const { conditionId } = batch[i];
      const target = position.get(conditionId);
      if (target === undefined) {
        i++;
        continue;
      }
      if (target !== index) advanceTo(target);
      let j = i + 1;
      while (j < batch.length && j - i < RUN_ROWS && batch[j].conditionId === conditionId) j++;
      w.items(batch.slice(i, j), items, text);
      items += j - i;
      records += j - i;
      i = j;
      if (text.full) await text.flush();
    }
    await progress.advance(batch.length);
  }
  advanceTo(source.conditions.length - 1);
  if (index >= 0) text.add(w.close(source.conditions[index], items));
  await text.end();
  return records;
}
