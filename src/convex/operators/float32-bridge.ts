// Float32 scratch for operators whose GEMMs run in single precision. The solver's vectors
// stay float64 (the certificate is computed in float64); only the GEMM operands are cast.
export class Float32Bridge {
  readonly w: Float32Array;
  readonly r: Float32Array;

  constructor(cols: number, rows: number) {
    this.w = new Float32Array(cols);
    this.r = new Float32Array(rows);
  }

  toW(src: Float64Array): void { this.w.set(src); }
  toR(src: Float64Array): void { this.r.set(src); }
  fromW(dst: Float64Array): void { dst.set(this.w); }
  fromR(dst: Float64Array): void { dst.set(this.r); }
}
