// Every buffer whose size comes from a file goes through here. The caller passes the bound it
// derived from the file's size; exceeding it is a bug in the reader, never the input's fault.
// The counters let the fuzz test check that no mutated file makes the reader allocate more.
export const allocationStats = { calls: 0, largestBytes: 0 };

function account(bytes: number, bound: number, what: string): void {
  if (!(Number.isSafeInteger(bytes) && bytes >= 0 && bytes <= bound)) {
    throw new Error(`internal: ${what} would allocate ${bytes} bytes, bound ${bound}`);
  }
  allocationStats.calls++;
  allocationStats.largestBytes = Math.max(allocationStats.largestBytes, bytes);
}

/** V8 could not allocate a buffer the file legitimately asks for: how much, and for what. */
export class OutOfMemory extends RangeError {
  constructor(bytes: number, what: string) {
    super(`Array buffer allocation failed: ${(bytes / 1e9).toFixed(2)} GB needed for ${what}`);
    this.name = 'OutOfMemory';
  }
}

function allocate<T>(bytes: number, what: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof RangeError) throw new OutOfMemory(bytes, what);
    throw e;
  }
}

export function allocBytes(length: number, bound: number, what: string): Uint8Array {
  account(length, bound, what);
  return allocate(length, what, () => new Uint8Array(length));
}

export function allocFloat64(length: number, boundBytes: number, what: string): Float64Array {
  account(8 * length, boundBytes, what);
  return allocate(8 * length, what, () => new Float64Array(length));
}

export function allocFloat32(length: number, boundBytes: number, what: string): Float32Array {
  account(4 * length, boundBytes, what);
  return allocate(4 * length, what, () => new Float32Array(length));
}
