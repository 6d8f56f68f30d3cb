//! The CUDA major release the image is built for, passed to the harness as
//! `MEGAPAK_CUDA_MAJOR`: each check then looks for that major's libraries and judges the driver
//! against it, instead of finding out what the image holds. `megapak verify` takes it from
//! `--cuda-major N`, else from `[target] cuda` of the workspace's `megapak.toml`.

use crate::VerifyError;

/// The variable every harness check reads (`megapak-harness`'s `cuda_major::ENV`).
pub const ENV: &str = "MEGAPAK_CUDA_MAJOR";

/// The majors the harness knows.
pub const KNOWN: [u32; 2] = [12, 13];

/// The major of a `[target] cuda` version (`13.0` → 13); `source_of` says where it was
/// written, for the error when the harness does not know that major.
pub fn of_version(version: &str, source_of: &str) -> Result<u32, VerifyError> {
    version
        .split('.')
        .next()
        .and_then(|major| major.trim().parse::<u32>().ok())
        .filter(|major| KNOWN.contains(major))
        .ok_or_else(|| VerifyError::CudaMajorUnknown {
            version: version.to_owned(),
            source_of: source_of.to_owned(),
        })
}

/// The variable for `major`: `("MEGAPAK_CUDA_MAJOR", "13")`.
pub fn var(major: u32) -> (String, String) {
    (ENV.to_owned(), major.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_major_of_a_target_version() {
        assert_eq!(of_version("13.0", "x").unwrap(), 13);
        assert_eq!(of_version("12.8", "x").unwrap(), 12);
        let err = of_version("11.8", "`[target] cuda` of `ws/megapak.toml`").unwrap_err();
        assert_eq!(
            err.to_string(),
            "The GPU harness checks CUDA 12 and 13 images; `11.8` is neither (from `[target] cuda` of `ws/megapak.toml`)"
        );
        assert_eq!(var(13), ("MEGAPAK_CUDA_MAJOR".to_owned(), "13".to_owned()));
    }
}
