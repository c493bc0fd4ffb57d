{
  "targets": [
    {
      "target_name": "convexformer_blas",
      "sources": ["native/blas.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
      "libraries": ["-lopenblas"],
      "cflags": ["-O3", "-std=c11"]
    }
  ]
}
