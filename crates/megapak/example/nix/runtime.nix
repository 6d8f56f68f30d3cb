# What the image needs at run time besides the environment, found when it is built:
#
# - `etc/megapak/library-path`: the environment's library folders, one a line (the CUDA package
#   set's, torch's, and the `nvidia/*/lib` folders of NVIDIA's wheels), which
#   `megapak-entrypoint` puts on `LD_LIBRARY_PATH`: torch loads NVRTC by bare name, and some
#   packages ask `ldconfig`, so RUNPATH alone does not do;
# - `bin/megapak-entrypoint`: finds the driver's `libcuda.so.1` and runs its arguments
#   (`entrypoint.sh`);
# - `bin/megapak-smoke`: the GPU harness run through the entrypoint, with `ORT_DYLIB_PATH` (the
#   environment's onnxruntime) and `MEGAPAK_NVRTC_DIR` set; `megapak verify --gpu --image` runs
#   it by this name.
{
  lib,
  runCommand,
  runtimeShell,
  closureInfo,
  python,
  env,
  harness,
  cudaPackages ? null,
}:

let
  sitePackages = "${env}/${python.sitePackages}";

  # The CUDA libraries the environment's packages load, where the set has them.
  cudaLibraries = lib.optionals (cudaPackages != null) (
    map lib.getLib (
      lib.filter (p: p != null) (
        map (name: cudaPackages.${name} or null) [
          "cuda_cudart"
          "cuda_nvrtc"
          "libcublas"
          "libcufft"
          "libcurand"
          "libcusolver"
          "libcusparse"
          "libnvjitlink"
          "cudnn"
          "nccl"
        ]
      )
    )
  );

  closure = closureInfo { rootPaths = [ env ]; };
in
runCommand "megapak-runtime"
  {
    passthru = {
      inherit harness cudaLibraries;
      libraryPathFile = "etc/megapak/library-path";
    };
  }
  ''
    mkdir -p $out/bin $out/etc/megapak
    list=$out/etc/megapak/library-path
    : > $list
    for dir in ${lib.concatMapStringsSep " " (p: "${p}/lib") cudaLibraries}; do
      if [ -d "$dir" ]; then echo "$dir" >> $list; fi
    done
    for dir in ${sitePackages}/torch/lib ${sitePackages}/nvidia/*/lib; do
      if [ -d "$dir" ]; then readlink -f "$dir" >> $list; fi
    done

    # onnxruntime: a wheel's `capi` folder, else the C++ library of nixpkgs' build.
    ort=
    for file in ${sitePackages}/onnxruntime/capi/libonnxruntime.so*; do
      if [ -e "$file" ]; then ort=$(readlink -f "$file"); break; fi
    done
    if [ -z "$ort" ]; then
      while read -r path; do
        for file in "$path"/lib/libonnxruntime.so.*; do
          if [ -e "$file" ]; then ort=$file; break 2; fi
        done
      done < ${closure}/store-paths
    fi

    # NVRTC: the first listed folder that has it.
    nvrtc=
    while read -r dir; do
      for file in "$dir"/libnvrtc.so.*; do
        if [ -e "$file" ]; then nvrtc=$dir; break 2; fi
      done
    done < $list

    substitute ${./entrypoint.sh} $out/bin/megapak-entrypoint \
      --replace-fail '#!/bin/sh' '#!${runtimeShell}'
    chmod 755 $out/bin/megapak-entrypoint

    {
      echo '#!${runtimeShell}'
      echo '# The GPU harness, with the environment it checks: see nix/runtime.nix.'
      echo "export MEGAPAK_LIBRARY_PATH_FILE=$list"
      if [ -n "$ort" ]; then echo "export ORT_DYLIB_PATH=$ort"; fi
      if [ -n "$nvrtc" ]; then echo "export MEGAPAK_NVRTC_DIR=$nvrtc"; fi
      echo "exec $out/bin/megapak-entrypoint ${harness}/bin/megapak-smoke \"\$@\""
    } > $out/bin/megapak-smoke
    chmod 755 $out/bin/megapak-smoke
  ''
