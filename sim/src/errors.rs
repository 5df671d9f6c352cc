//! What the crate's error types share.

/// `From<E> for String` for error enums whose callers still report errors as text and use
/// `?` (the shell and the scenario runner print them as they are).
macro_rules! error_text {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for String {
            fn from(e: $error) -> Self {
                e.to_string()
            }
        })*
    };
}
pub(crate) use error_text;
