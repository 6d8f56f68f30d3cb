//! The name mapping, shared by the three backends: from a PyPI name to the nixpkgs attribute
//! that supplies it.
//!
//! In order: the user's variants; megapak's CUDA variants (`onnxruntime-gpu`, `cupy-cuda13x`,
//! `torch` on a CUDA target); the attribute of that name (PEP 503 normalized, so `GitPython`
//! finds `gitpython`); the attribute whose `pname` it is (hundreds differ from their `pname`);
//! `python-aliases.nix` (renamed: followed; removed: nixpkgs' reason); megapak's renames
//! (`opencv-python*` to `opencv4`).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use megapak_plugin_abi::wire::{OverrideValue, Target};
use megapak_types::PackageName;

use crate::snapshot::{Alias, Availability, Entry, Snapshot};
use crate::variants::Variant;

/// A snapshot with the indexes the mapping needs, built once per snapshot.
#[derive(Debug)]
pub struct Catalog {
    /// The snapshot.
    pub snapshot: Snapshot,
    by_attribute: HashMap<String, Vec<String>>,
    by_pname: HashMap<String, Vec<String>>,
    by_alias: HashMap<String, String>,
}

/// What a name maps to.
#[derive(Debug)]
pub enum Resolution<'c> {
    /// An attribute to judge.
    Found(Resolved<'c>),
    /// No attribute, alias or variant of that name.
    Absent,
    /// An alias nixpkgs removed, with its reason.
    Removed {
        /// The alias.
        alias: String,
        /// nixpkgs' message.
        message: String,
    },
    /// The attribute exists but could not be read.
    Failed {
        /// The attribute.
        attribute: String,
        /// Why.
        message: String,
    },
    /// A variant of that name does not fit the target or this nixpkgs.
    Unusable {
        /// Why, in megapak's message style.
        reason: String,
    },
}

/// A name mapped to an attribute.
#[derive(Debug)]
pub struct Resolved<'c> {
    /// The entry whose version and availability count.
    pub entry: &'c Entry,
    /// The attribute the emitter uses.
    pub attribute: String,
    /// What the emitter applies with `.override`.
    pub override_args: BTreeMap<String, OverrideValue>,
    /// How the name was mapped, in words, when not by its own attribute; e.g. "`opencv-python`
    /// is nixpkgs' `opencv4`".
    pub mapping: Option<String>,
    /// The variant's notes.
    pub notes: Vec<String>,
    /// A CUDA build: unfree, never in the public binary cache, so one nixpkgs did not build
    /// is still one it can build.
    pub cuda_build: bool,
}

/// What the mapping needs besides the name.
#[derive(Debug)]
pub struct Context<'a> {
    /// The target.
    pub target: &'a Target,
    /// The user's variants, then megapak's.
    pub variants: &'a [Variant],
    /// The index of the target's Python in the snapshot.
    pub python: usize,
}

impl Catalog {
    /// Indexes `snapshot`. Only what the plain lookups cannot find is indexed: attributes whose
    /// name is not already PEP 503 normalized, and `pname`s that normalize unlike their
    /// attribute (a `pname` equal to its attribute is found by the attribute), which keeps the
    /// embedded snapshot's load within milliseconds.
    pub fn new(snapshot: Snapshot) -> Self {
        let mut by_attribute: HashMap<String, Vec<String>> = HashMap::new();
        let mut by_pname: HashMap<String, Vec<String>> = HashMap::new();
        for entry in snapshot.entries.values() {
            let attribute = normalized_cow(&entry.attribute);
            if let Some(name) = &attribute
                && name.as_ref() != entry.attribute
            {
                by_attribute
                    .entry(name.clone().into_owned())
                    .or_default()
                    .push(entry.attribute.clone());
            }
            if let Some(name) = normalized_cow(&entry.pname)
                && Some(&name) != attribute.as_ref()
            {
                by_pname
                    .entry(name.into_owned())
                    .or_default()
                    .push(entry.attribute.clone());
            }
        }
        for attribute in snapshot.failures.keys() {
            if let Some(name) = normalized_cow(attribute)
                && name.as_ref() != attribute
            {
                by_attribute
                    .entry(name.into_owned())
                    .or_default()
                    .push(attribute.clone());
            }
        }
        let by_alias = snapshot
            .aliases
            .keys()
            .filter_map(|alias| Some((normalized(alias)?, alias.clone())))
            .collect();
        Self {
            snapshot,
            by_attribute,
            by_pname,
            by_alias,
        }
    }

    /// Maps `name` (PEP 503 normalized) to an attribute.
    pub fn resolve<'c>(&'c self, name: &str, context: &Context<'_>) -> Resolution<'c> {
        let variants = context
            .variants
            .iter()
            .filter(|variant| variant.name == name);
        if let Some(variant) = variants.clone().find(|variant| variant.first) {
            return self.variant(variant, context);
        }
        if let Some(found) = self.attribute(name, None) {
            return found;
        }
        if let Some(found) = self.pname(name, context) {
            return found;
        }
        if let Some(found) = self.alias(name) {
            return found;
        }
        if let Some(variant) = variants.clone().next() {
            return self.variant(variant, context);
        }
        Resolution::Absent
    }

    /// The attribute called `name` exactly, else the one whose normalized name is `name`.
    fn attribute<'c>(&'c self, name: &str, mapping: Option<String>) -> Option<Resolution<'c>> {
        let attribute = if self.snapshot.entries.contains_key(name)
            || self.snapshot.failures.contains_key(name)
        {
            name
        } else {
            let normalized = normalized_cow(name)?;
            if normalized.as_ref() != name
                && (self.snapshot.entries.contains_key(normalized.as_ref())
                    || self.snapshot.failures.contains_key(normalized.as_ref()))
            {
                return self.attribute(&normalized, mapping);
            }
            let candidates = self.by_attribute.get(normalized.as_ref())?;
            // Several spellings of one name are rare; take a stable one.
            candidates.iter().min()?.as_str()
        };
        if let Some(entry) = self.snapshot.entries.get(attribute) {
            let mapping = mapping.or_else(|| {
                (attribute != name).then(|| format!("`{name}` is nixpkgs' `{attribute}`"))
            });
            return Some(Resolution::Found(Resolved {
                entry,
                attribute: attribute.to_owned(),
                override_args: BTreeMap::new(),
                mapping,
                notes: Vec::new(),
                cuda_build: false,
            }));
        }
        let message = self.snapshot.failures.get(attribute)?;
        Some(Resolution::Failed {
            attribute: attribute.to_owned(),
            message: message.clone(),
        })
    }

    /// The attribute whose `pname` is `name`: one there for the target's Python first, then one
    /// of the newer evaluation, then the shortest attribute name.
    fn pname<'c>(&'c self, name: &str, context: &Context<'_>) -> Option<Resolution<'c>> {
        let attributes = self.by_pname.get(name)?;
        let entry = attributes
            .iter()
            .filter_map(|attribute| self.snapshot.entries.get(attribute))
            .min_by_key(|entry| {
                let there = entry.pythons.get(context.python) == Some(&Availability::Available);
                (
                    !there,
                    entry.older,
                    entry.attribute.len(),
                    entry.attribute.clone(),
                )
            })?;
        Some(Resolution::Found(Resolved {
            entry,
            attribute: entry.attribute.clone(),
            override_args: BTreeMap::new(),
            mapping: Some(format!(
                "`{name}` is nixpkgs' `{}` (its `pname` is `{}`)",
                entry.attribute, entry.pname
            )),
            notes: Vec::new(),
            cuda_build: false,
        }))
    }

    /// `python-aliases.nix`: a renamed attribute is followed (a few hops at most), a removed one
    /// gives nixpkgs' reason.
    fn alias<'c>(&'c self, name: &str) -> Option<Resolution<'c>> {
        let mut alias = self.by_alias.get(name)?.clone();
        for _ in 0..8 {
            match self.snapshot.aliases.get(&alias)? {
                Alias::Removed(message) => {
                    return Some(Resolution::Removed {
                        alias,
                        message: message.clone(),
                    });
                }
                Alias::Renamed(target) => {
                    let mapping = format!("`{name}` was renamed in nixpkgs to `{target}`");
                    if let Some(found) = self.attribute(target, Some(mapping)) {
                        return Some(found);
                    }
                    alias = target.clone();
                }
            }
        }
        None
    }

    fn variant<'c>(&'c self, variant: &Variant, context: &Context<'_>) -> Resolution<'c> {
        if let Some(reason) = variant.misfit(context.target) {
            return Resolution::Unusable { reason };
        }
        let base = variant.version_of.as_deref().unwrap_or(&variant.attribute);
        if variant.version_of.is_some()
            && !self.snapshot.entries.contains_key(&variant.attribute)
            && !self.snapshot.failures.contains_key(&variant.attribute)
        {
            return Resolution::Unusable {
                reason: format!(
                    "`{}` maps to nixpkgs' `{}`, which this nixpkgs lacks",
                    variant.name, variant.attribute
                ),
            };
        }
        let Some(entry) = self.snapshot.entries.get(base) else {
            if let Some(message) = self.snapshot.failures.get(base) {
                return Resolution::Failed {
                    attribute: base.to_owned(),
                    message: message.clone(),
                };
            }
            return Resolution::Unusable {
                reason: format!(
                    "`{}` maps to nixpkgs' `{base}`, which this nixpkgs lacks",
                    variant.name
                ),
            };
        };
        let override_args = variant.override_for(context.target);
        let mut mapping = format!("`{}` is nixpkgs' `{}`", variant.name, variant.attribute);
        if !override_args.is_empty() {
            let args: Vec<String> = override_args
                .iter()
                .map(|(arg, value)| format!("{arg} = {};", nix_value(value)))
                .collect();
            mapping = format!("{mapping} with `.override {{ {} }}`", args.join(" "));
        }
        Resolution::Found(Resolved {
            entry,
            attribute: variant.attribute.clone(),
            override_args,
            mapping: Some(mapping),
            notes: variant.notes.clone(),
            cuda_build: variant.is_cuda(),
        })
    }
}

/// An override value as Nix writes it.
fn nix_value(value: &OverrideValue) -> String {
    match value {
        OverrideValue::Bool(b) => b.to_string(),
        OverrideValue::Integer(i) => i.to_string(),
        OverrideValue::String(s) => format!("{s:?}"),
        OverrideValue::Attribute { attribute } => format!("pkgs.{attribute}"),
    }
}

/// The PEP 503 form of `name`, when it is a valid distribution name.
pub(crate) fn normalized(name: &str) -> Option<String> {
    normalized_cow(name).map(Cow::into_owned)
}

/// [`normalized`], without allocating for a name that is already normalized (most nixpkgs
/// attributes are), else through [`PackageName`], the one normalizer.
fn normalized_cow(name: &str) -> Option<Cow<'_, str>> {
    let bytes = name.as_bytes();
    let plain = !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !name.contains("--");
    if plain {
        return Some(Cow::Borrowed(name));
    }
    PackageName::new(name)
        .ok()
        .map(|name| Cow::Owned(name.as_str().to_owned()))
}
