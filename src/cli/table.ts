// virsh's vshTable: a header row, a dashed rule, rows; a leading space, columns padded to their
// widest cell (in terminal columns) and separated by three spaces; the last column unpadded.
// --quiet drops the header and the rule (and the header no longer widens the columns).

/** Terminal width of one code point (wcwidth): 0 for combining marks, 2 for wide CJK/emoji. */
function charWidth(cp: number): number {
  if (cp === 0) return 0;
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)) return 2;
  return 1;
}

/** Display width of a string in terminal columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** vshTableSafeEncode: non-printable characters are shown as \xNN so they cannot garble the table. */
export function safeEncode(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export class Table {
  readonly rows: string[][] = [];
  constructor(readonly header: readonly string[]) {}

  add(...cells: (string | number)[]): this {
    this.rows.push(cells.map((c) => safeEncode(String(c))));
    return this;
  }

  /** The table as text; without the header and rule when `quiet`. */
  format(quiet = false): string {
    const all = quiet ? this.rows : [this.header.slice(), ...this.rows];
    const ncol = this.header.length;
    const widths = new Array<number>(ncol).fill(0);
    // widths count only what is printed: without the header under --quiet
    for (const r of all) {
      for (let i = 0; i < ncol; i++) widths[i] = Math.max(widths[i]!, displayWidth(r[i] ?? ''));
    }
    const line = (r: readonly string[]): string => {
      let s = '';
      for (let i = 0; i < ncol; i++) {
        const cell = r[i] ?? '';
        s += i === 0 ? ' ' : '   ';
        s += cell;
        if (i < ncol - 1) s += ' '.repeat(widths[i]! - displayWidth(cell));
      }
      return s + '\n';
    };
    let out = '';
    all.forEach((r, idx) => {
      out += line(r);
      if (!quiet && idx === 0) out += '-'.repeat(widths.reduce((a, w) => a + w + 3, 0)) + '\n';
    });
    return out;
  }
}
