//! Choices picked by name: `--mode keyword`, `?fusion=rrf`, `--aggregation sum`.
//!
//! Every such enum lists its names once, in a table, and parses through [`one_of`], so the
//! command line, the query string and the evaluation's mode specs accept the same spellings
//! and reject the rest with the same message.

/// A name that is not one of the choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; use {choices}")]
pub struct UnknownName {
    /// What was being chosen ("mode", "fusion").
    pub what: &'static str,
    pub value: String,
    /// The choices, as a reader would list them: "keyword, semantic or hybrid".
    pub choices: String,
}

/// The entry of `table` named `value` (exactly: names are lower case).
pub fn one_of<T: Copy>(
    what: &'static str,
    table: &[(&'static str, T)],
    value: &str,
) -> Result<T, UnknownName> {
    table
        .iter()
        .find(|(name, _)| *name == value)
        .map(|&(_, v)| v)
        .ok_or_else(|| UnknownName {
            what,
            value: value.to_string(),
            choices: listed(table.iter().map(|(name, _)| *name)),
        })
}

/// "a, b or c".
fn listed<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Implements `FromStr` for a unit enum from its table of names.
macro_rules! from_name_table {
    ($ty:ty, $what:literal, $table:expr) => {
        impl std::str::FromStr for $ty {
            type Err = $crate::named::UnknownName;
            fn from_str(s: &str) -> Result<$ty, Self::Err> {
                $crate::named::one_of($what, $table, s)
            }
        }
    };
}
pub(crate) use from_name_table;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_the_error_lists_the_choices() {
        let table = [("max", 1), ("sum", 2), ("mean", 3)];
        assert_eq!(one_of("aggregation", &table, "sum"), Ok(2));
        let e = one_of("aggregation", &table, "Sum").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown aggregation `Sum`; use max, sum or mean"
        );
        assert_eq!(
            one_of("x", &[("only", 0)], "no").unwrap_err().choices,
            "only"
        );
    }
}
