// Decoding the view's binary frames (polislab.view.session.encode): a little-endian uint32 n,
// n bytes of JSON, then typed arrays 8-byte aligned at the offsets the JSON gives.
"use strict";
const TYPED = { uint8: Uint8Array, int8: Int8Array, int32: Int32Array, float32: Float32Array, float64: Float64Array };
function decodeFrame(buffer) {
  const n = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, n)));
  const base = 4 + n;
  const arrays = {};
  for (const a of header.arrays) {
    const Typed = TYPED[a.dtype];
    if (!Typed) throw new Error("frame array of unknown dtype " + a.dtype);
    const count = a.shape.reduce((x, y) => x * y, 1);
    arrays[a.name] = { data: new Typed(buffer, base + a.offset, count), shape: a.shape };
  }
  return { header, arrays };
}
