//! Which pip package brings which shared library, and reading the loader's complaints.

/// Shared-library name prefixes and the pip package (CUDA 13 wheels) that provides each.
const PACKAGES: &[(&str, &str)] = &[
    ("libcudart.so", "nvidia-cuda-runtime"),
    ("libcublasLt.so", "nvidia-cublas"),
    ("libcublas.so", "nvidia-cublas"),
    ("libcudnn", "nvidia-cudnn-cu13"),
    ("libcurand.so", "nvidia-curand"),
    ("libcufft.so", "nvidia-cufft"),
    ("libcufile.so", "nvidia-cufile"),
    ("libcusparseLt.so", "nvidia-cusparselt-cu13"),
    ("libcusparse.so", "nvidia-cusparse"),
    ("libcusolver.so", "nvidia-cusolver"),
    ("libnvrtc", "nvidia-cuda-nvrtc"),
    ("libcupti.so", "nvidia-cuda-cupti"),
    ("libnvJitLink.so", "nvidia-nvjitlink"),
    ("libnccl.so", "nvidia-nccl-cu13"),
    ("libnvshmem", "nvidia-nvshmem-cu13"),
    ("libtorch_nvshmem.so", "torch"),
    ("libtorch", "torch"),
    ("libc10", "torch"),
    ("libgomp.so", "torch"),
    ("libonnxruntime", "onnxruntime-gpu"),
    ("libcuda.so", "the NVIDIA driver (not a pip package)"),
];

/// The pip package that provides `soname`, if known.
pub fn package_for(soname: &str) -> Option<&'static str> {
    PACKAGES
        .iter()
        .find(|(prefix, _)| soname.starts_with(prefix))
        .map(|(_, package)| *package)
}

/// `` `nvidia-cudnn-cu13` (for `libcudnn.so.9`) `` for each library, deduplicated by package.
pub fn packages_for(sonames: &[String]) -> String {
    let mut parts: Vec<(String, Vec<&str>)> = Vec::new();
    for soname in sonames {
        let package = package_for(soname).unwrap_or("the package that provides it");
        match parts.iter_mut().find(|(p, _)| p == package) {
            Some((_, libs)) => libs.push(soname),
            None => parts.push((package.to_owned(), vec![soname])),
        }
    }
    parts
        .iter()
        .map(|(package, libs)| {
            let libs = libs
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("`{package}` (for {libs})")
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Whether `soname` is part of libtorch itself.
pub fn is_libtorch(soname: &str) -> bool {
    soname.starts_with("libtorch") || soname.starts_with("libc10")
}

/// The libraries a loader or `dlerror` message says it could not open, in order.
///
/// Understands `X: cannot open shared object file` as written by `ld.so` ("error while loading
/// shared libraries: X: cannot open ...") and by `dlopen` (also inside onnxruntime's messages).
pub fn missing_in(text: &str) -> Vec<String> {
    const MARKER: &str = ": cannot open shared object file";
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARKER) {
        let before = &rest[..at];
        let name = before
            .rsplit(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .next()
            .unwrap_or("");
        let name = name.rsplit('/').next().unwrap_or(name);
        if !name.is_empty() && !found.iter().any(|f| f == name) {
            found.push(name.to_owned());
        }
        rest = &rest[at + MARKER.len()..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_names_what_it_missed() {
        let ld = "check-torch: error while loading shared libraries: libtorch_cpu.so: cannot open shared object file: No such file or directory";
        assert_eq!(missing_in(ld), ["libtorch_cpu.so"]);
        let ort = "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory";
        assert_eq!(missing_in(ort), ["libcublasLt.so.13"]);
        assert_eq!(
            missing_in("/x/libcudnn.so.9: cannot open shared object file"),
            ["libcudnn.so.9"]
        );
        assert!(missing_in("undefined symbol: foo").is_empty());
    }

    #[test]
    fn packages_are_grouped() {
        let libs = ["libcublas.so.13", "libcublasLt.so.13", "libcudnn.so.9"].map(String::from);
        assert_eq!(
            packages_for(&libs),
            "`nvidia-cublas` (for `libcublas.so.13`, `libcublasLt.so.13`) and `nvidia-cudnn-cu13` (for `libcudnn.so.9`)"
        );
        assert_eq!(
            package_for("libcusparseLt.so.0"),
            Some("nvidia-cusparselt-cu13")
        );
        assert_eq!(package_for("libcusparse.so.12"), Some("nvidia-cusparse"));
    }
}
