//! A 20k-line flake is read in one linear walk. No timing assertion: this builds one and checks
//! that every entry comes back, so a quadratic walk shows up as a slow test.

use std::fmt::Write as _;
use std::path::Path;

use megapak_nix::read::parse_flake_packages;

#[test]
fn twenty_thousand_line_flake() {
    const ENVS: usize = 480;
    const PER_ENV: usize = 40;
    let mut text =
        String::from("{\n  outputs = { nixpkgs, ... }:\n    let\n      pkgs = nixpkgs;\n");
    for env in 0..ENVS {
        writeln!(
            text,
            "      env{env} = pkgs.python3.withPackages (ps: with ps; ["
        )
        .unwrap();
        for n in 0..PER_ENV / 2 {
            writeln!(text, "        package-{env}-{n}").unwrap();
            writeln!(text, "        # commented-{env}-{n}  # TODO: check").unwrap();
        }
        writeln!(text, "      ]);").unwrap();
        writeln!(text, "      shell{env} = [ pkgs.ffmpeg ];").unwrap();
        writeln!(text).unwrap();
    }
    text.push_str("    in { };\n}\n");
    assert!(text.lines().count() > 20_000);

    let packages = parse_flake_packages(&text, Path::new("large.nix")).expect("parses");
    assert_eq!(packages.listed().count(), ENVS * PER_ENV / 2);
    assert_eq!(packages.commented_out().count(), ENVS * PER_ENV / 2);
    let last = packages.entries.last().expect("entries");
    assert_eq!(
        last.attr,
        format!("commented-{}-{}", ENVS - 1, PER_ENV / 2 - 1)
    );
}
