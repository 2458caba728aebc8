const HEX = "0123456789abcdef";

/**
 * ASCII bytes of page operators, in one buffer reused from page to page:
 * writing a table cell allocates nothing.
 */
export class PageBytes {
  private buf = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
  }

  /** A number rounded to a hundredth (of a point, or of 1/1000 em), without trailing zeros. */
  num(n: number): void {
    let v = Math.round(n * 100);
    this.room(24);
    if (v < 0) {
      this.buf[this.length++] = 0x2d; // -
      v = -v;
    }
    this.int(Math.floor(v / 100));
    const frac = v % 100;
    if (frac) {
      this.buf[this.length++] = 0x2e; // .
      this.buf[this.length++] = 0x30 + Math.floor(frac / 10);
      if (frac % 10) this.buf[this.length++] = 0x30 + (frac % 10);
    }
  }

  /** Four lowercase hex digits. */
  hex4(n: number): void {
    this.room(4);
    for (let shift = 12; shift >= 0; shift -= 4) this.buf[this.length++] = HEX.charCodeAt((n >> shift) & 0xf);
  }

  /** A copy of what was written (ending in a newline), and a fresh start. */
  take(): Uint8Array {
    this.ascii("\n");
    const out = new Uint8Array(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }

  private int(v: number): void {
    if (v >= 10) this.int(Math.floor(v / 10));
    this.buf[this.length++] = 0x30 + (v % 10);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}
