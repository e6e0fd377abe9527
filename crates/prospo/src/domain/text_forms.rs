//! Enums stored and shown as text: one macro gives each its text form, parsing and display.

/// `text_forms! { Enum { Variant => "text", ... } ... }`: `ALL`, `as_str`, `FromStr`, `Display`, and serialising as the text.
macro_rules! text_forms_impl {
    ($($ty:ident { $($variant:ident => $text:literal),+ $(,)? })+) => {$(
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::domain::text_forms::UnknownValue;
            fn from_str(s: &str) -> Result<Self, $crate::domain::text_forms::UnknownValue> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    _ => Err($crate::domain::text_forms::UnknownValue { what: stringify!($ty), value: s.to_owned() }),
                }
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

pub(crate) use text_forms_impl as text_forms;

/// A stored text that names no known value (the CHECK constraints keep these out of the database).
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}
