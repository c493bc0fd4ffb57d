{
  "targets": [
    {
      "target_name": "convexformer_blas",
      "sources": ["native/blas.c", "native/attention.c", "native/layernorm.c", "native/elementwise.c", "native/lapack.c", "native/fwht.c", "native/fft.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lm"],
      "cflags": ["-O3", "-std=c11"]
    }
  ]
}
