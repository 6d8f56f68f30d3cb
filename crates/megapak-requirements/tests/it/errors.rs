//! The exact error messages: `file:line:column`, the offending text, what was expected, and
//! a hint where there is an obvious next step.

use std::path::Path;

use megapak_requirements::{
    MemoryLoader, RequirementsError, SyntaxError, parse_requirements_str_with,
};

use crate::{error, with_hint};

#[test]
fn invalid_pep508_requirements() {
    insta::assert_snapshot!(error(&format!("{}torch==>2\n", "x\n".repeat(11))), @r#"r.txt:12:6: Invalid requirement `torch==>2`: no such comparison operator "==>", must be one of ~= == != <= >= < > ==="#);
    insta::assert_snapshot!(error("foo bar"), @"r.txt:1:5: Invalid requirement `foo bar`: expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `b`");
    insta::assert_snapshot!(error("torch=="), @"r.txt:1:6: Invalid requirement `torch==`: unexpected end of version specifier, expected version");
    insta::assert_snapshot!(error("imageio[ffmpeg"), @"r.txt:1:8: Invalid requirement `imageio[ffmpeg`: missing closing bracket (expected ']', found end of dependency specification)");
    insta::assert_snapshot!(error("x ; python_version <"), @"r.txt:1:21: Invalid requirement `x ; python_version <`: expected marker value, found end of dependency specification");
    insta::assert_snapshot!(error("x @ https://h/éé/x-1-py3-none-any.whl junk"), @r"
    r.txt:1:39: Invalid requirement `x @ https://h/éé/x-1-py3-none-any.whl junk`: expected `;` and a marker after the URL, found `junk`
    hint: A marker follows the URL after whitespace: `name @ URL ; marker`
    ");
    insta::assert_snapshot!(error("x ; os_name == 'é'"), @"r.txt:1:17: Invalid marker `os_name == 'é'`: expected ASCII characters only, found `é`");
}

#[test]
fn errors_in_continuations_point_at_the_physical_line() {
    insta::assert_snapshot!(error("ok\nfoo>=1,\\\n  <2,\\\n  !!3\n"), @"r.txt:4:3: Invalid requirement `foo>=1,  <2,  !!3`: no such comparison operator \"!!\", must be one of ~= == != <= >= < > ===");
}

#[test]
fn options() {
    insta::assert_snapshot!(error("--pre --bogus=1"), @"
    r.txt:1:7: Unknown option `--bogus`
    hint: Supported options: `-r`/`--requirement`, `-c`/`--constraint`, `-e`/`--editable`, `-i`/`--index-url`, `--extra-index-url`, `--no-index`, `-f`/`--find-links`, `--pre`, `--no-binary`, `--only-binary`, `--prefer-binary`, `--require-hashes`, `--trusted-host`, `--use-feature`, and after a requirement `--hash`, `-C`/`--config-settings`, `--global-option`; long names shortened as pip allows (`--extra-index`)
    ");
    insta::assert_snapshot!(error("torch\n--no :all:\n"), @"
    r.txt:2:1: Option `--no` is ambiguous: it starts `--no-binary` and `--no-index`
    hint: Write the option's name out in full
    ");
    insta::assert_snapshot!(error("torch\n--index-url\n"), @"r.txt:2:12: Option `--index-url` expects a value");
    insta::assert_snapshot!(error("--pre=yes"), @"r.txt:1:6: Option `--pre` takes no value, found `yes`");
    insta::assert_snapshot!(error("--pre torch"), @r"
    r.txt:1:7: Expected an option, found `torch`
    hint: A requirement comes before its options: `name==1.0 --hash=sha256:...`
    ");
    insta::assert_snapshot!(error("torch --pre"), @"
    r.txt:1:7: Option `--pre` cannot follow a requirement: only `--hash`, `--config-settings` and `--global-option` can
    hint: Put `--pre` on a line of its own
    ");
    insta::assert_snapshot!(error("--hash=sha256:00"), @"r.txt:1:1: Option `--hash` must follow a requirement on the same line");
    insta::assert_snapshot!(error("torch --hash=md5:d41d8cd98f00b204e9800998ecf8427e"), @"r.txt:1:14: Invalid hash `md5:d41d8cd98f00b204e9800998ecf8427e`: expected `sha256:`, `sha384:` or `sha512:` and a hex digest of that length");
    insta::assert_snapshot!(error("--pre -e git+https://h/o/r"), @"r.txt:1:7: Option `--editable` must come first on its line");
    insta::assert_snapshot!(error("-i https://a/simple\n-i https://b/simple"), @"r.txt:2:4: Option `--index-url` `https://b/simple` conflicts with `https://a/simple` given at r.txt:1:4");
    insta::assert_snapshot!(error("-r https://example.com/req.txt"), @"r.txt:1:4: Cannot include `https://example.com/req.txt`: expected a local file, not a URL");
}

#[test]
fn urls_and_paths() {
    insta::assert_snapshot!(error("https://files.example/pkg-1.0.tar.gz"), @r"
    r.txt:1:1: Cannot tell the package name of `https://files.example/pkg-1.0.tar.gz`: expected a wheel file name or an `#egg=name` fragment
    hint: Name the package: `name @ https://files.example/pkg-1.0.tar.gz`
    ");
    insta::assert_snapshot!(error("git+https://github.com/o/r#egg=-bad"), @"r.txt:1:1: Invalid URL `git+https://github.com/o/r#egg=-bad`: the `#egg=` fragment `-bad` is not a valid package name");
    insta::assert_snapshot!(error("x @ s3://bucket/x.whl"), @"r.txt:1:5: Invalid URL `s3://bucket/x.whl`: unsupported scheme `s3`: expected `https://`, `http://`, `file://`, `ftp://` or a VCS URL such as `git+https://`");
    insta::assert_snapshot!(error("x @ cvs+https://h/r"), @"r.txt:1:5: Invalid URL `cvs+https://h/r`: unknown VCS `cvs`: expected `git+`, `hg+`, `svn+` or `bzr+`");
    insta::assert_snapshot!(error("https://h/x-1-py3-none-any.whl junk"), @r"
    r.txt:1:32: Invalid requirement `https://h/x-1-py3-none-any.whl junk`: expected `;` and a marker after the URL, found `junk`
    hint: A marker follows the URL after whitespace: `name @ URL ; marker`
    ");
    insta::assert_snapshot!(error("https://h/x-1-py3-none-any.whl ; python_version >>"), @"r.txt:1:49: Invalid marker ` python_version >>`: expected a valid marker operator (such as `>=` or `not in`), found `>>`");
    insta::assert_snapshot!(error("https://[::1"), @"r.txt:1:1: Invalid URL `https://[::1`: invalid IPv6 address");
    insta::assert_snapshot!(error("x @ https://h/x.whl; os_name == 'nt'"), @r"
    r.txt:1:20: Invalid requirement `x @ https://h/x.whl; os_name == 'nt'`: missing space before ';', the end of the URL is ambiguous
    hint: A marker follows the URL after whitespace: `name @ URL ; marker`
    ");
    insta::assert_snapshot!(error("./local/pkg"), @r"
    r.txt:1:1: Local path requirement `./local/pkg` is not supported: expected a package name, a URL or a VCS URL
    hint: Name the package and use a URL: `name @ file:///absolute/path`
    ");
    insta::assert_snapshot!(error("-e ."), @"r.txt:1:4: Editable requirement `.` is not supported: expected a VCS URL such as `git+https://host/repo`");
}

#[test]
fn constraints_must_be_plain() {
    let constraint_error = |constraints: &str| {
        let mut loader = MemoryLoader::new();
        loader.insert("c.txt", constraints);
        let error =
            parse_requirements_str_with("-c c.txt", Path::new("r.txt"), &mut loader).unwrap_err();
        with_hint(&error)
    };
    insta::assert_snapshot!(constraint_error("\nimageio[ffmpeg]<3"), @"c.txt:2:1: Constraint `imageio[ffmpeg]<3` is not allowed: constraints cannot have extras");
    insta::assert_snapshot!(constraint_error("x @ https://h/x-1-py3-none-any.whl"), @"c.txt:1:1: Constraint `x @ https://h/x-1-py3-none-any.whl` is not allowed: constraints cannot be URLs or VCS checkouts");
    insta::assert_snapshot!(constraint_error("-e git+https://h/o/r"), @"c.txt:1:1: Constraint `-e git+https://h/o/r` is not allowed: constraints cannot be editable");
}

#[test]
fn long_lines_are_quoted_shortened() {
    let message = error(&format!("torch==>{}", "9".repeat(1 << 20)));
    assert!(message.len() < 400, "{}", message.len());
    insta::assert_snapshot!(message, @r#"r.txt:1:6: Invalid requirement `torch==>99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999…`: no such comparison operator "==>", must be one of ~= == != <= >= < > ==="#);
    insta::assert_snapshot!(error(&format!("x ; {}os_name == 'a'", "(".repeat(40))), @"r.txt:1:37: Invalid requirement `x ; ((((((((((((((((((((((((((((((((((((((((os_name == 'a'`: expected parentheses nested at most 32 deep");
}

#[test]
fn errors_are_typed() {
    let error = crate::parse("torch --pre").unwrap_err();
    let RequirementsError::Syntax { location, error } = error else {
        panic!("not a syntax error: {error:?}");
    };
    assert_eq!((location.line, location.column), (1, 7));
    assert_eq!(
        error,
        SyntaxError::OptionAfterRequirement {
            option: "--pre".into()
        }
    );
}

#[test]
fn per_requirement_options_need_a_requirement_and_valid_values() {
    insta::assert_snapshot!(error("-C k=v"), @"r.txt:1:1: Option `--config-settings` must follow a requirement on the same line");
    insta::assert_snapshot!(error("--global-option=--x"), @"r.txt:1:1: Option `--global-option` must follow a requirement on the same line");
    insta::assert_snapshot!(error("x --config-settings=novalue"), @"r.txt:1:21: Invalid `--config-settings` value `novalue`: expected `KEY=VALUE`");
    insta::assert_snapshot!(error("x --use-feature=fast-deps"), @"
    r.txt:1:3: Option `--use-feature` cannot follow a requirement: only `--hash`, `--config-settings` and `--global-option` can
    hint: Put `--use-feature` on a line of its own
    ");
    insta::assert_snapshot!(error("--use-feature"), @"r.txt:1:14: Option `--use-feature` expects a value");
}

#[test]
fn quoting_errors() {
    insta::assert_snapshot!(error("ok\n-r \"my reqs.txt\n"), @r#"
    r.txt:2:4: Unterminated quote `"` in `"my reqs.txt`: expected a closing `"`
    hint: Options are split into words as a POSIX shell does: close the quote, or escape a literal quote with `\`
    "#);
    insta::assert_snapshot!(error("x --hash='sha256:00"), @r"
    r.txt:1:10: Unterminated quote `'` in `'sha256:00`: expected a closing `'`
    hint: Options are split into words as a POSIX shell does: close the quote, or escape a literal quote with `\`
    ");
    insta::assert_snapshot!(error("-r a.txt \\ # comment"), @r"
    r.txt:1:10: Backslash at the end of the line: expected a character after it to escape
    hint: A line continues only when `\` is its very last character, with no space or comment after it
    ");
    insta::assert_snapshot!(error("--pre \"torch x\""), @"
    r.txt:1:7: Expected an option, found `torch x`
    hint: A requirement comes before its options: `name==1.0 --hash=sha256:...`
    ");
    // Offsets inside a quoted `-e` value point at the line as written.
    insta::assert_snapshot!(error("-e \"git+https://github.com/o/r#egg=-bad\""), @"r.txt:1:4: Invalid URL `git+https://github.com/o/r#egg=-bad`: the `#egg=` fragment `-bad` is not a valid package name");
    insta::assert_snapshot!(error("-e 'https://h/x-1-py3-none-any.whl junk'"), @"
    r.txt:1:36: Invalid requirement `https://h/x-1-py3-none-any.whl junk`: expected `;` and a marker after the URL, found `junk`
    hint: A marker follows the URL after whitespace: `name @ URL ; marker`
    ");
}

#[test]
fn environment_variables_are_refused() {
    insta::assert_snapshot!(error("x @ git+https://${GITHUB_TOKEN}@github.com/o/r"), @"
    r.txt:1:17: Environment variable `${GITHUB_TOKEN}` is not expanded: a pak file must mean the same on every machine
    hint: Write the value of `GITHUB_TOKEN` into the pak file; for a secret in a git URL, use a git credential helper or `~/.netrc` instead, so the pak file stays reproducible
    ");
    insta::assert_snapshot!(error("ok\n--extra-index-url https://h/simple \\\n  --trusted-host ${HOST_1}\n"), @"
    r.txt:3:18: Environment variable `${HOST_1}` is not expanded: a pak file must mean the same on every machine
    hint: Write the value of `HOST_1` into the pak file; for a secret in a git URL, use a git credential helper or `~/.netrc` instead, so the pak file stays reproducible
    ");
    insta::assert_snapshot!(error("-r ${DIR}/more.txt"), @"
    r.txt:1:4: Environment variable `${DIR}` is not expanded: a pak file must mean the same on every machine
    hint: Write the value of `DIR` into the pak file; for a secret in a git URL, use a git credential helper or `~/.netrc` instead, so the pak file stays reproducible
    ");
    insta::assert_snapshot!(error(&format!("x ; os_name == '${{{}}}'", "A".repeat(200))), @"
    r.txt:1:17: Environment variable `${AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…}` is not expanded: a pak file must mean the same on every machine
    hint: Write the value of `AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…` into the pak file; for a secret in a git URL, use a git credential helper or `~/.netrc` instead, so the pak file stays reproducible
    ");
    // Only pip's `${UPPER_CASE}` form is expanded by pip; anything else is text.
    let file =
        crate::parse("x @ https://h/$VAR/${lower}/${A-B}/${}/x-1-py3-none-any.whl\n# ${COMMENT}\n")
            .unwrap();
    assert_eq!(file.entries.len(), 1);
}
