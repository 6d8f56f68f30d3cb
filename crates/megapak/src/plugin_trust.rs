//! Plugins are code megapak runs: one in a folder every user can write to could be anyone's.
//! Such folders, and plugin files every user can write, get a warning (they still load: a
//! shared build machine may have a reason).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Write permission for users other than the owner and the group.
const OTHERS_WRITE: u32 = 0o002;

/// What every user may change among `folders` (links followed): each folder, and each plugin
/// file (`libmegapak_plugin_*.so`) in it, that others may write.
pub(crate) fn writable_by_everyone(folders: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for folder in folders {
        if others_may_write(folder) {
            found.push(folder.clone());
        }
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with("libmegapak_plugin_"))
            })
            .filter(|path| others_may_write(path))
            .collect();
        files.sort();
        found.extend(files);
    }
    found
}

fn others_may_write(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & OTHERS_WRITE != 0)
}

/// The warning for one path of [`writable_by_everyone`].
#[derive(Debug)]
pub(crate) struct WritableByEveryone(pub(crate) PathBuf);

impl std::fmt::Display for WritableByEveryone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is writable by every user of this machine: any of them could put a plugin there that megapak loads",
            self.0.display()
        )
    }
}

/// Warns on stderr about each folder or plugin file of `folders` every user may write.
pub(crate) fn warn_about_plugins_writable_by_everyone(folders: &[PathBuf]) {
    crate::terminal_text::warnings(
        writable_by_everyone(folders)
            .into_iter()
            .map(WritableByEveryone),
        |w| {
            Some(format!(
                "`chmod o-w {}`, or keep plugins where only you can write",
                w.0.display()
            ))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_writable_folders_and_plugin_files_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let mode = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        let open = dir.path().join("open");
        let closed = dir.path().join("closed");
        for folder in [&open, &closed] {
            std::fs::create_dir(folder).unwrap();
        }
        mode(&open, 0o777);
        mode(&closed, 0o755);
        let shared_plugin = closed.join("libmegapak_plugin_x.so");
        std::fs::write(&shared_plugin, "").unwrap();
        mode(&shared_plugin, 0o666);
        std::fs::write(closed.join("libmegapak_plugin_y.so"), "").unwrap();
        mode(&closed.join("libmegapak_plugin_y.so"), 0o644);
        std::fs::write(closed.join("notes.txt"), "").unwrap();
        mode(&closed.join("notes.txt"), 0o666);
        let found =
            writable_by_everyone(&[open.clone(), closed.clone(), dir.path().join("missing")]);
        assert_eq!(found, [open, shared_plugin]);
        let text = WritableByEveryone(PathBuf::from("/tmp/p")).to_string();
        insta::assert_snapshot!(text, @"`/tmp/p` is writable by every user of this machine: any of them could put a plugin there that megapak loads");
    }
}
