//! A package's license as nixpkgs names it (`lib.licenses.asl20`), for the SPDX identifiers
//! Python packages use most. The attribute names were checked against nixpkgs'
//! `lib/licenses.nix`. A license this table does not know is left out of `meta` rather than
//! guessed: nixpkgs treats a package without `meta.license` as free, as it does any of these.

/// SPDX identifier (and a few spellings PyPI metadata often has instead) to `lib.licenses`.
const LICENSES: [(&str, &str); 29] = [
    ("0BSD", "bsd0"),
    ("AGPL-3.0-only", "agpl3Only"),
    ("AGPL-3.0-or-later", "agpl3Plus"),
    ("Apache 2.0", "asl20"),
    ("Apache License 2.0", "asl20"),
    ("Apache-2.0", "asl20"),
    ("BSD-2-Clause", "bsd2"),
    ("BSD-3-Clause", "bsd3"),
    ("BSL-1.0", "boost"),
    ("CC0-1.0", "cc0"),
    ("EPL-2.0", "epl20"),
    ("GPL-2.0-only", "gpl2Only"),
    ("GPL-2.0-or-later", "gpl2Plus"),
    ("GPL-3.0-only", "gpl3Only"),
    ("GPL-3.0-or-later", "gpl3Plus"),
    ("HPND", "hpnd"),
    ("ISC", "isc"),
    ("LGPL-2.1-only", "lgpl21Only"),
    ("LGPL-2.1-or-later", "lgpl21Plus"),
    ("LGPL-3.0-only", "lgpl3Only"),
    ("LGPL-3.0-or-later", "lgpl3Plus"),
    ("MIT License", "mit"),
    ("MIT", "mit"),
    ("MPL-2.0", "mpl20"),
    ("PSF-2.0", "psfl"),
    ("Python-2.0", "psfl"),
    ("Unlicense", "unlicense"),
    ("Zlib", "zlib"),
    ("ZPL-2.1", "zpl21"),
];

/// The `lib.licenses` attribute of `license`, if the table knows it.
pub(crate) fn nixpkgs_license(license: &str) -> Option<&'static str> {
    let license = license.trim();
    LICENSES
        .iter()
        .find(|(spdx, _)| spdx.eq_ignore_ascii_case(license))
        .map(|(_, attribute)| *attribute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_identifiers_map_case_insensitively() {
        assert_eq!(nixpkgs_license("Apache-2.0"), Some("asl20"));
        assert_eq!(nixpkgs_license(" mit "), Some("mit"));
        assert_eq!(nixpkgs_license("BSD-3-Clause"), Some("bsd3"));
        assert_eq!(nixpkgs_license("LicenseRef-NVIDIA-Proprietary"), None);
        assert_eq!(nixpkgs_license("BSD"), None);
    }

    /// The tests evaluate emitted files against a stand-in of nixpkgs whose `lib.licenses` must
    /// have every attribute this table gives.
    #[test]
    fn the_evaluation_fixture_knows_every_license() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/locks/nix-eval/package-set.nix");
        let text = fs_err::read_to_string(fixture).unwrap();
        for (_, attribute) in LICENSES {
            assert!(text.contains(&format!("\"{attribute}\"")), "{attribute}");
        }
    }
}
