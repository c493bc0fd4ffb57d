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

export function allocBytes(length: number, bound: number, what: string): Uint8Array {
  account(length, bound, what);
  return new Uint8Array(length);
}

export function allocFloat64(length: number, boundBytes: number, what: string): Float64Array {
  account(8 * length, boundBytes, what);
  return new Float64Array(length);
}
