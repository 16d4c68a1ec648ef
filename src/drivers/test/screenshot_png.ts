// The picture the test driver streams for every screenshot, as libvirt's test driver streams
// its fixed test-screenshot.png: tsvirt draws its own (a small gradient test card), so it needs
// no file from a libvirt installation. Encoded once, on first use.
import { deflateSync } from 'node:zlib';

/** CRC-32 (IEEE) of a PNG chunk; zlib.crc32 exists only from Node 20.15. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const byte of b) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const SCREENSHOT_WIDTH = 160;
export const SCREENSHOT_HEIGHT = 100;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

let png: Buffer | undefined;

/** An 8-bit RGB PNG: colour bars over a grey ramp, like a monitor's test card. */
export function testScreenshotPng(): Buffer {
  if (png) return png;
  const w = SCREENSHOT_WIDTH;
  const h = SCREENSHOT_HEIGHT;
  const bars = [[192, 192, 192], [192, 192, 0], [0, 192, 192], [0, 192, 0], [192, 0, 192], [192, 0, 0], [0, 0, 192]];
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1); // each row starts with filter type 0 (none)
    for (let x = 0; x < w; x++) {
      const c = y < (h * 2) / 3 ? bars[Math.floor((x * bars.length) / w)]! : [0, 0, 0].map(() => Math.floor((x * 255) / (w - 1)));
      raw.set(c, row + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // depth 8, colour type 2 (RGB), deflate, no filter variants, no interlace
  png = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  return png;
}
