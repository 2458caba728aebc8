/**
 * ZIP64 in the project's zip writer (SPEC §14.3: a bundle passes 65,535
 * entries or 4 GiB), read back by Python's zipfile and Info-ZIP's unzip.
 * The entry-count limit is the cheap one to pass: 70,000 tiny entries; the
 * 4 GiB one is passed by an entry of zeros, which deflates to a few MB.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ZipWriter } from "@/lib/exports/formats/xlsx-zip";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zip64-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function writeZip(file: string, entries: number, opts: { zip64?: boolean; unix?: boolean }) {
  const out = fs.createWriteStream(file);
  const zip = new ZipWriter(out, { date: new Date("2026-03-04T05:06:07Z"), level: 1, ...opts });
  for (let i = 0; i < entries; i++) await zip.addEntry(`parts/${String(i).padStart(5, "0")}-Ω.txt`, `entry ${i}\n`);
  await zip.finish();
}

describe("ZipWriter with zip64", () => {
  it("writes 70,000 entries that Python's zipfile and unzip read, every CRC checked", async () => {
    const file = path.join(tmp, "many.zip");
    await writeZip(file, 70_000, { zip64: true, unix: true });
    const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    infos = z.infolist()
    print(json.dumps({
        "bad": z.testzip(),
        "count": len(infos),
        "first": infos[0].filename, "last": infos[-1].filename,
        "lastText": z.read(infos[-1]).decode(),
        "mode": oct(infos[0].external_attr >> 16),
    }))
`;
    const py = spawnSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    expect(py.status, py.stderr).toBe(0);
    expect(JSON.parse(py.stdout)).toEqual({
      bad: null,
      count: 70_000,
      first: "parts/00000-Ω.txt",
      last: "parts/69999-Ω.txt",
      lastText: "entry 69999\n",
      mode: "0o100644",
    });
    // The end of the archive: ZIP64 end record, its locator, then the classic record saying "see ZIP64".
    const zip = fs.readFileSync(file);
    const end = zip.length - 22;
    expect(zip.readUInt32LE(end)).toBe(0x06054b50);
    expect(zip.readUInt16LE(end + 10)).toBe(0xffff);
    expect(zip.readUInt32LE(end - 20)).toBe(0x07064b50);
    const zip64End = Number(zip.readBigUInt64LE(end - 20 + 8));
    expect(zip.readUInt32LE(zip64End)).toBe(0x06064b50);
    expect(Number(zip.readBigUInt64LE(zip64End + 32))).toBe(70_000);

    const unzip = spawnSync("unzip", ["-tq", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    expect(unzip.status, unzip.stdout.slice(-2000) + unzip.stderr).toBe(0);
    expect(unzip.stdout).toContain("No errors detected");
  });

  it("writes an entry past 4 GiB (zeros, so the archive stays small) that Python's zipfile and unzip read", async () => {
    const file = path.join(tmp, "large.zip");
    const out = fs.createWriteStream(file);
    const zip = new ZipWriter(out, { date: new Date("2026-03-04T05:06:07Z"), level: 1, zip64: true, unix: true });
    await zip.addEntry("before.txt", "first\n");
    const entry = await zip.openEntry("zeros.bin");
    const block = Buffer.alloc(4 * 1024 * 1024);
    const size = 4 * 1024 ** 3 + 3 * block.length; // 4 GiB + 12 MiB
    for (let written = 0; written < size; written += block.length) if (!entry.write(block)) await entry.ready();
    await zip.closeEntry();
    await zip.addEntry("after.txt", "last\n");
    await zip.finish();

    const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    big = z.getinfo("zeros.bin")
    read = 0
    with z.open(big) as f:  # checks the CRC at the end
        while chunk := f.read(1 << 24):
            read += len(chunk)
    print(json.dumps({"names": z.namelist(), "size": big.file_size, "read": read, "after": z.read("after.txt").decode()}))
`;
    const py = spawnSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    expect(JSON.parse(py.stdout)).toEqual({ names: ["before.txt", "zeros.bin", "after.txt"], size, read: size, after: "last\n" });
    const unzip = spawnSync("unzip", ["-tq", file], { encoding: "utf8" });
    expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
  });

  it("writes a small archive the same with and without zip64", async () => {
    const [a, b] = [path.join(tmp, "a.zip"), path.join(tmp, "b.zip")];
    await writeZip(a, 3, {});
    await writeZip(b, 3, { zip64: true });
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
  });
});
