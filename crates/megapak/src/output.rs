//! Where output goes: data on stdout, messages on stderr; colours only on a terminal.

use clap::ValueEnum;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour (still never when `NO_COLOR` is set).
    Always,
    /// Never colour.
    Never,
}

/// Applies the user's choice to every stream that goes through `anstream`.
///
/// `anstream` already honours `NO_COLOR`, `CLICOLOR_FORCE` and terminal detection for `Auto`.
pub(crate) fn configure_colors(choice: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let choice = match choice {
        _ if no_color => anstream::ColorChoice::Never,
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Writes `text` to stdout; a closed pipe (`megapak status | head`) is not an error.
pub(crate) fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = anstream::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so
/// that a reader never sees a half-written file and a failure leaves the old file in place.
///
/// The file gets the permissions a plain create would give it (`0o666` less the umask), or
/// keeps those of the file it replaces; not the `0o600` of a temporary file.
///
/// A symlink is written through (the file it points to is replaced, the link stays), and a path
/// that is no regular file (a FIFO, `/dev/stdout`) is written to directly: there is nothing to
/// replace atomically.
pub(crate) fn write_file_atomically(
    path: &std::path::Path,
    contents: &[u8],
) -> std::io::Result<()> {
    write_through_temporary_file(path, contents, Existing::Replace)
}

/// Like [`write_file_atomically`], but never replaces a file: if one appears at `path` (or
/// where its symlink points) before the rename, the rename fails with
/// [`std::io::ErrorKind::AlreadyExists`] and nothing is written. A FIFO or device there is
/// refused the same way.
pub(crate) fn create_file_atomically(
    path: &std::path::Path,
    contents: &[u8],
) -> std::io::Result<()> {
    write_through_temporary_file(path, contents, Existing::Keep)
}

/// What to do with a file already at the path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Existing {
    Replace,
    Keep,
}

fn write_through_temporary_file(
    path: &std::path::Path,
    contents: &[u8],
    existing: Existing,
) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let path = &resolve_symlinks(path)?;
    let metadata = std::fs::metadata(path).ok();
    if existing == Existing::Keep
        && let Some(metadata) = &metadata
        && !metadata.is_file()
    {
        // A regular file is left to the rename below, which refuses it without a race.
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("`{}` already exists", path.display()),
        ));
    }
    if let Some(metadata) = &metadata
        && !metadata.is_file()
        && !metadata.is_dir()
    {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .write_all(contents);
    }
    if metadata.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        // Renaming over a folder fails with "Device or resource busy" (`-o .`) or "Is a
        // directory": say what is wrong instead.
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            format!("`{}` is a folder: name a file", path.display()),
        ));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".megapak-")
        .suffix(".tmp")
        // Applied at creation, so the umask applies as for any new file.
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    // Removed on SIGINT/SIGTERM too, not only when `file` is dropped.
    let _pending = crate::signals::TempFileGuard::new(file.path());
    if let Some(metadata) = metadata
        && existing == Existing::Replace
    {
        file.as_file().set_permissions(metadata.permissions())?;
    }
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    let persisted = match existing {
        Existing::Replace => file.persist(path),
        // `renameat2(RENAME_NOREPLACE)`, or a hard link where the file system lacks it.
        Existing::Keep => match file.persist_noclobber(path) {
            Err(err) if err.error.kind() != std::io::ErrorKind::AlreadyExists => {
                // A file system with neither (vboxsf, some FUSE ones): check, then rename.
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        format!("`{}` already exists", path.display()),
                    ));
                }
                err.file.persist(path)
            }
            other => other,
        },
    };
    persisted.map_err(|err| err.error)?;
    Ok(())
}

/// An output that is also an input: writing it would replace what was read.
#[derive(Debug, thiserror::Error)]
#[error("`{}` is also an input of this command: `{}`", output.display(), input.display())]
pub(crate) struct OutputIsAnInput {
    pub(crate) output: std::path::PathBuf,
    pub(crate) input: std::path::PathBuf,
}

/// Refuses to write `output` when it is the same file as one of `inputs`: same device and inode
/// once every symlink is followed, so `-o p.txt` for `--paks ./p.txt`, a hard link or a symlink
/// to an input are all found. An output that does not exist yet is no input.
pub(crate) fn refuse_output_that_is_an_input<'a>(
    output: &std::path::Path,
    inputs: impl IntoIterator<Item = &'a std::path::Path>,
) -> Result<(), OutputIsAnInput> {
    use std::os::unix::fs::MetadataExt;
    let Ok(target) = std::fs::metadata(output) else {
        return Ok(());
    };
    // A FIFO or `/dev/stdout` is written to, not replaced; only a regular file can be lost.
    if !target.is_file() {
        return Ok(());
    }
    let identity = (target.dev(), target.ino());
    match inputs
        .into_iter()
        .find(|input| std::fs::metadata(input).is_ok_and(|m| (m.dev(), m.ino()) == identity))
    {
        Some(input) => Err(OutputIsAnInput {
            output: output.to_owned(),
            input: input.to_owned(),
        }),
        None => Ok(()),
    }
}

/// `path` with every symlink at its end followed, even to a file that does not exist yet.
fn resolve_symlinks(path: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    let mut path = path.to_owned();
    // As the kernel does, give up after 40 links.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other(format!(
        "`{}`: too many levels of symbolic links",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::{create_file_atomically, write_file_atomically};

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_gets_the_mode_of_a_plainly_created_one() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let written = dir.path().join("written");
        write_file_atomically(&written, b"x").unwrap();
        assert_eq!(mode(&written), mode(&plain), "not a temporary file's 0o600");
    }

    #[test]
    fn a_symlink_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.md");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink("real.md", &link).unwrap();
        write_file_atomically(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        // A link to a file not written yet.
        let dangling = dir.path().join("later.md");
        std::os::unix::fs::symlink("sub-later.md", &dangling).unwrap();
        write_file_atomically(&dangling, b"first").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("sub-later.md")).unwrap(),
            "first"
        );
    }

    fn make_fifo(path: &std::path::Path) {
        let made = std::process::Command::new("mkfifo").arg(path).status();
        assert!(made.unwrap().success(), "mkfifo {}", path.display());
    }

    #[test]
    fn a_fifo_is_written_to_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        make_fifo(&fifo);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_file_atomically(&fifo, b"report").unwrap();
        assert_eq!(reader.join().unwrap(), "report");
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(
            &std::fs::symlink_metadata(&fifo).unwrap().file_type()
        ));
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_by_identity() {
        use super::refuse_output_that_is_an_input as refuse;
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        std::fs::write(at("p.txt"), "torch\n").unwrap();
        std::fs::write(at("megapak.toml"), "").unwrap();
        std::os::unix::fs::symlink("p.txt", at("link.txt")).unwrap();
        std::fs::hard_link(at("p.txt"), at("hard.txt")).unwrap();
        std::fs::create_dir(at("sub")).unwrap();
        let inputs = [at("megapak.toml"), at("sub/../p.txt")];
        let inputs = || inputs.iter().map(std::path::PathBuf::as_path);
        for output in ["p.txt", "link.txt", "hard.txt", "megapak.toml"] {
            let err = refuse(&at(output), inputs()).unwrap_err();
            assert_eq!(err.output, at(output));
        }
        let err = refuse(&at("link.txt"), inputs()).unwrap_err().to_string();
        let err = err.replace(&dir.path().display().to_string(), "DIR");
        insta::assert_snapshot!(err, @"`DIR/link.txt` is also an input of this command: `DIR/sub/../p.txt`");
        // A new file, another file, a folder: fine here (the writer refuses the folder).
        std::fs::write(at("report.md"), "old report").unwrap();
        for output in ["new.md", "report.md", "sub"] {
            refuse(&at(output), inputs()).unwrap();
        }
    }

    #[test]
    fn a_folder_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_file_atomically(dir.path(), b"report").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::IsADirectory);
        assert_eq!(
            err.to_string(),
            format!("`{}` is a folder: name a file", dir.path().display())
        );
        let names = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(names, 0, "no temporary file left");
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_file_atomically(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o640);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn create_never_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("megapak.toml");
        std::fs::write(&path, "mine\n").unwrap();
        // The file exists when the temporary one is renamed: the rename itself refuses.
        let err = create_file_atomically(&path, b"example\n").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["megapak.toml"]);

        // A dangling symlink is created through; a FIFO is refused, not written to.
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink("target.toml", &link).unwrap();
        create_file_atomically(&link, b"example\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("target.toml")).unwrap(),
            "example\n"
        );
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        let fifo = dir.path().join("fifo");
        make_fifo(&fifo);
        let err = create_file_atomically(&fifo, b"example\n").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    }
}
