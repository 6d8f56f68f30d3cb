//! Variants: PyPI names that are another attribute of nixpkgs, or the same attribute built
//! another way. megapak ships a table ([`builtin`]); users add to it in `megapak.toml`
//! (`[resolvers.nixpkgs.variants]`), and theirs come first.
//!
//! A CUDA variant (`onnxruntime-gpu`, `cupy-cuda13x`, `torch` on a CUDA target) comes before
//! nixpkgs' own attribute of the same name, which is the CPU build; a rename (`opencv-python*`
//! to `opencv4`) comes after it, since nixpkgs' own attribute is better when it has one.

use std::collections::BTreeMap;

use megapak_plugin_abi::wire::{OverrideValue, Target};

/// The note every build that is not in nixpkgs' public binary cache carries.
pub const NOT_CACHED: &str = "Not in the public binary cache: built from source";

/// One variant: a PyPI name and the nixpkgs attribute (and override) that supplies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The PyPI name, PEP 503 normalized.
    pub name: String,
    /// The attribute the emitter uses, e.g. `torchWithCuda`.
    pub attribute: String,
    /// The attribute whose version and availability it shares, when not `attribute` itself
    /// (`torchWithCuda` is `torch.override { cudaSupport = true; }`).
    pub version_of: Option<String>,
    /// What the emitter applies with `.override { ... }`.
    pub override_args: BTreeMap<String, OverrideValue>,
    /// Which CUDA it needs on the target.
    pub cuda: CudaNeed,
    /// Whether `cudaPackages` is set to the target's CUDA (`cudaPackages_13_0`) unless the
    /// override sets it.
    pub pin_cuda_packages: bool,
    /// Notes for the user, e.g. [`NOT_CACHED`].
    pub notes: Vec<String>,
    /// Whether it comes before nixpkgs' own attribute of the same name.
    pub first: bool,
}

/// The CUDA a variant needs on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CudaNeed {
    /// None: any target.
    None,
    /// A CUDA target, any version.
    Any,
    /// A CUDA target of this major version (`cupy-cuda13x`: 13).
    Major(u32),
}

impl Variant {
    /// A variant that renames `name` to `attribute`, with nothing else.
    pub fn rename(name: &str, attribute: &str) -> Self {
        Self {
            name: name.to_owned(),
            attribute: attribute.to_owned(),
            version_of: None,
            override_args: BTreeMap::new(),
            cuda: CudaNeed::None,
            pin_cuda_packages: false,
            notes: Vec::new(),
            first: false,
        }
    }

    /// Whether it is a CUDA build, which nixpkgs' binary cache never has.
    pub fn is_cuda(&self) -> bool {
        self.cuda != CudaNeed::None
    }

    /// Why the variant does not fit `target`, if it does not.
    pub fn misfit(&self, target: &Target) -> Option<String> {
        let cuda = target.cuda.as_deref();
        match (self.cuda, cuda) {
            (CudaNeed::None, _) => None,
            (_, None) => Some(format!(
                "`{}` is a CUDA build (nixpkgs' `{}`), but the target has no CUDA",
                self.name, self.attribute
            )),
            (CudaNeed::Any, Some(_)) => None,
            (CudaNeed::Major(major), Some(cuda)) => {
                let target_major = cuda.split('.').next().and_then(|m| m.parse::<u32>().ok());
                (target_major != Some(major)).then(|| {
                    format!(
                        "`{}` is built for CUDA {major}, but the target has CUDA {cuda}",
                        self.name
                    )
                })
            }
        }
    }

    /// The override the emitter applies on `target`.
    pub fn override_for(&self, target: &Target) -> BTreeMap<String, OverrideValue> {
        let mut args = self.override_args.clone();
        if self.pin_cuda_packages
            && let Some(attribute) = target.cuda.as_deref().and_then(cuda_packages)
        {
            args.entry("cudaPackages".to_owned())
                .or_insert(OverrideValue::Attribute { attribute });
        }
        args
    }
}

/// The nixpkgs CUDA package set of a CUDA `MAJOR.MINOR`: `13.0` is `cudaPackages_13_0`.
pub fn cuda_packages(cuda: &str) -> Option<String> {
    let (major, minor) = cuda.split_once('.')?;
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| format!("cudaPackages_{major}_{minor}"))
}

/// The variants megapak ships, for `target`; `prefer_wheels` picks `torch-bin` for `torch`.
pub fn builtin(target: &Target, prefer_wheels: bool) -> Vec<Variant> {
    let mut variants: Vec<Variant> = [
        "opencv-python",
        "opencv-python-headless",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
    ]
    .into_iter()
    .map(|name| Variant::rename(name, "opencv4"))
    .collect();

    let cuda_variant = |name: &str, attribute: &str, cuda: CudaNeed| Variant {
        cuda,
        pin_cuda_packages: true,
        notes: vec![NOT_CACHED.to_owned()],
        first: true,
        ..Variant::rename(name, attribute)
    };
    let mut onnxruntime = cuda_variant("onnxruntime-gpu", "onnxruntime", CudaNeed::Any);
    onnxruntime
        .override_args
        .insert("cudaSupport".to_owned(), OverrideValue::Bool(true));
    variants.push(onnxruntime);
    for major in [11, 12, 13] {
        let name = format!("cupy-cuda{major}x");
        variants.push(cuda_variant(&name, "cupy", CudaNeed::Major(major)));
    }
    // `torch` is nixpkgs' CPU build unless the target has CUDA; only then is it a variant.
    if target.cuda.is_some() {
        variants.push(if prefer_wheels {
            Variant {
                notes: vec![
                    "`torch-bin` is PyTorch's own wheel, built for the CUDA its version of nixpkgs pins, not necessarily the target's".to_owned(),
                ],
                first: true,
                cuda: CudaNeed::Any,
                ..Variant::rename("torch", "torch-bin")
            }
        } else {
            Variant {
                version_of: Some("torch".to_owned()),
                ..cuda_variant("torch", "torchWithCuda", CudaNeed::Any)
            }
        });
    }
    variants
}

/// The attributes `megapak.toml` chose for packages (`[[override]] attr`) come first: a
/// variant megapak ships with that attribute (`torch` -> `torchWithCuda`, with its override
/// and notes) when there is one, else a plain rename.
pub fn choose_attributes(variants: &mut Vec<Variant>, chosen: &BTreeMap<String, String>) {
    for (name, attribute) in chosen.iter().rev() {
        let variant = match variants
            .iter()
            .position(|v| &v.name == name && &v.attribute == attribute)
        {
            Some(at) => variants.remove(at),
            None => Variant {
                notes: vec![
                    "Attribute chosen by an `[[override]] attr` in megapak.toml".to_owned(),
                ],
                ..Variant::rename(name, attribute)
            },
        };
        variants.insert(
            0,
            Variant {
                first: true,
                ..variant
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use megapak_plugin_testing::sample_target;

    use super::*;

    #[test]
    fn cuda_package_sets_follow_the_target() {
        assert_eq!(cuda_packages("13.0").as_deref(), Some("cudaPackages_13_0"));
        assert_eq!(cuda_packages("12.8").as_deref(), Some("cudaPackages_12_8"));
        assert_eq!(cuda_packages("13"), None);
        assert_eq!(cuda_packages("13.x"), None);
    }

    #[test]
    fn an_override_attr_puts_its_variant_first() {
        let target = sample_target();
        let mut variants = builtin(&target, false);
        let chosen = BTreeMap::from([
            ("torch".to_owned(), "torchWithCuda".to_owned()),
            ("pillow".to_owned(), "pillow-simd".to_owned()),
        ]);
        choose_attributes(&mut variants, &chosen);
        assert_eq!(
            (variants[0].name.as_str(), variants[0].attribute.as_str()),
            ("pillow", "pillow-simd")
        );
        assert_eq!(
            variants[1].version_of.as_deref(),
            Some("torch"),
            "the shipped variant"
        );
        assert!(variants[..2].iter().all(|v| v.first));
    }

    #[test]
    fn cupy_fits_only_its_cuda_major() {
        let mut target = sample_target();
        let cupy13 = builtin(&target, false)
            .into_iter()
            .find(|v| v.name == "cupy-cuda13x")
            .unwrap();
        assert_eq!(cupy13.misfit(&target), None);
        target.cuda = Some("12.8".to_owned());
        assert_eq!(
            cupy13.misfit(&target).unwrap(),
            "`cupy-cuda13x` is built for CUDA 13, but the target has CUDA 12.8"
        );
        target.cuda = None;
        assert_eq!(
            cupy13.misfit(&target).unwrap(),
            "`cupy-cuda13x` is a CUDA build (nixpkgs' `cupy`), but the target has no CUDA"
        );
        assert!(builtin(&target, false).iter().all(|v| v.name != "torch"));
    }
}
