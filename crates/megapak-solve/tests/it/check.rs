//! The pak files' own contradictions, judged by the solver.

use std::path::Path;

use megapak_requirements::parse_requirements_str;
use megapak_solve::check_root_requirements;

use crate::helpers::{report, target};

#[test]
fn two_pins_in_two_files_contradict() {
    let a = parse_requirements_str("numpy\ntorch==2.10.0\n", Path::new("paks/pak3.txt")).unwrap();
    let b = parse_requirements_str("torch==2.11.0\n", Path::new("paks/pak5.txt")).unwrap();
    let error = check_root_requirements(&[a, b], None).unwrap_err();
    insta::assert_snapshot!(report(&error), @r"
The pak files contradict each other:
  `paks/pak3.txt:2` asks for `torch==2.10.0`
  `paks/pak5.txt:1` asks for `torch==2.11.0`
  so `paks/pak3.txt:2`, `paks/pak5.txt:1` cannot all hold
hint: Remove or change one of these lines
");
}

#[test]
fn ranges_that_do_not_meet_and_three_entries_any_two_of_which_agree() {
    let a = parse_requirements_str("numpy<2\nx>=1,<3\n", Path::new("paks/pak3.txt")).unwrap();
    let b = parse_requirements_str("numpy>=2.1\n", Path::new("paks/pak5.txt")).unwrap();
    let c = parse_requirements_str("x!=1.*\nx!=2.*\n", Path::new("paks/pak7.txt")).unwrap();
    let ranges = check_root_requirements(&[a.clone(), b], None).unwrap_err();
    let three = check_root_requirements(&[a, c], None).unwrap_err();
    insta::assert_snapshot!(format!("{}\n--\n{}", report(&ranges), report(&three)), @r"
The pak files contradict each other:
  `paks/pak3.txt:1` asks for `numpy<2`
  `paks/pak5.txt:1` asks for `numpy>=2.1`
  so `paks/pak3.txt:1`, `paks/pak5.txt:1` cannot all hold
hint: Remove or change one of these lines
--
The pak files contradict each other:
  `paks/pak3.txt:2` asks for `x>=1, <3`
  `paks/pak7.txt:1` asks for `x!=1.*`
  `paks/pak7.txt:2` asks for `x!=2.*`
  so `paks/pak3.txt:2`, `paks/pak7.txt:1`, `paks/pak7.txt:2` cannot all hold
hint: Remove or change one of these lines
");
}

#[test]
fn entries_that_meet_pass_and_markers_are_judged_for_the_target() {
    let a = parse_requirements_str(
        "torch==2.10.0\ntorch==2.9.0 ; python_version < \"3.13\"\nnumpy>=1.26\n",
        Path::new("paks/pak3.txt"),
    )
    .unwrap();
    let b = parse_requirements_str("torch==2.10.0+cu130\nnumpy<3\n", Path::new("paks/pak5.txt"))
        .unwrap();
    let environment = target().marker_environment().unwrap();
    check_root_requirements(&[a.clone(), b.clone()], Some(&environment)).unwrap();
    let error = check_root_requirements(&[a, b], None).unwrap_err();
    insta::assert_snapshot!(report(&error), @r"
The pak files contradict each other:
  `paks/pak3.txt:1` asks for `torch==2.10.0`
  `paks/pak3.txt:2` asks for `torch==2.9.0`
  so `paks/pak3.txt:1`, `paks/pak3.txt:2` cannot all hold
hint: Remove or change one of these lines
hint: Some of these entries have markers: judge them for a target with `--config`
");
}

#[test]
fn the_real_cu130_pak_files_do_not_contradict_each_other() {
    let folder =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real/comfyui-megapak-cu130");
    let files: Vec<_> = ["pak2.txt", "pak3.txt", "pak5.txt", "pak7.txt"]
        .iter()
        .map(|pak| megapak_requirements::read_requirements_file(&folder.join(pak)).unwrap())
        .collect();
    let environment = target().marker_environment().unwrap();
    check_root_requirements(&files, Some(&environment)).unwrap();
    check_root_requirements(&files, None).unwrap();
}
