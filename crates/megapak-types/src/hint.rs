//! The next step an error suggests.

/// An error that may know what the user should do next.
///
/// The message (`Display`) says what is wrong; [`Hint::hint`] says what to do about it, without
/// a `hint:` prefix. The binary prints the hint on a line of its own, so a library never glues
/// `"\nhint: ..."` into a message.
///
/// ```
/// use megapak_types::Hint;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("No `megapak.toml` in the current folder")]
/// struct NoConfig;
///
/// impl Hint for NoConfig {
///     fn hint(&self) -> Option<String> {
///         Some("create a workspace with `megapak init`".to_owned())
///     }
/// }
///
/// assert_eq!(NoConfig.hint().as_deref(), Some("create a workspace with `megapak init`"));
/// ```
pub trait Hint {
    /// The next step, if there is an obvious one.
    fn hint(&self) -> Option<String>;
}
