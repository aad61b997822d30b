//! Narrowing a search to pages whose metadata match: `tags:setup`, `lang:en`, `version:2.1`.
//!
//! A page passes when, for every field the filter names, one of the values given equals the
//! page's value of that field or one of its items (a list such as `tags`), ignoring case.
//! Fields are the page's own front matter fields (see [`crate::corpus::Page::metadata`]), so
//! a site filters on whatever its generator writes: `tags`, `categories`, `section`, `lang`,
//! `version`, …

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::corpus::Page;
use crate::request::RequestError;

/// Most conditions (field–value pairs) one filter may hold.
pub const MAX_CONDITIONS: usize = 32;
/// Longest field name or value accepted, in characters.
pub const MAX_TERM_CHARS: usize = 200;

/// A validated filter; empty means "every page".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Filter {
    /// Field → the values any of which passes.
    conditions: BTreeMap<String, Vec<String>>,
}

/// A filter as JSON carries it: `"tags:setup,lang:en"`, or `{"tags": ["setup", "linux"],
/// "lang": "en"}`.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum FilterParam {
    Text(String),
    Fields(BTreeMap<String, OneOrMany>),
}

#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl FilterParam {
    pub fn validate(self) -> Result<Filter, RequestError> {
        match self {
            FilterParam::Text(text) => Filter::parse(&text),
            FilterParam::Fields(fields) => {
                let mut filter = Filter::default();
                for (field, values) in fields {
                    let values = match values {
                        OneOrMany::One(v) => vec![v],
                        OneOrMany::Many(v) => v,
                    };
                    if values.is_empty() {
                        return Err(invalid(format!("field `{field}` has no values")));
                    }
                    for value in values {
                        filter.add(&field, &value)?;
                    }
                }
                Ok(filter)
            }
        }
    }
}

fn invalid(message: String) -> RequestError {
    RequestError::InvalidFilter(message)
}

impl Filter {
    /// Reads `field:value` conditions separated by commas (`tags:setup,tags:linux,lang:en`):
    /// the form a query string or a command line carries.
    pub fn parse(text: &str) -> Result<Filter, RequestError> {
        let mut filter = Filter::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((field, value)) = part.split_once(':') else {
                return Err(invalid(format!(
                    "`{part}` is not `field:value` (for example `tags:setup`)"
                )));
            };
            filter.add(field, value)?;
        }
        Ok(filter)
    }

    fn add(&mut self, field: &str, value: &str) -> Result<(), RequestError> {
        let (field, value) = (field.trim(), value.trim());
        if field.is_empty() || value.is_empty() {
            return Err(invalid(format!(
                "`{field}:{value}` needs both a field and a value"
            )));
        }
        if field.chars().count() > MAX_TERM_CHARS || value.chars().count() > MAX_TERM_CHARS {
            return Err(invalid(format!(
                "fields and values are at most {MAX_TERM_CHARS} characters"
            )));
        }
        let count: usize = self.conditions.values().map(Vec::len).sum();
        if count >= MAX_CONDITIONS {
            return Err(invalid(format!(
                "at most {MAX_CONDITIONS} conditions in one filter"
            )));
        }
        self.conditions
            .entry(field.to_string())
            .or_default()
            .push(value.to_string());
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// The fields the filter names.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.conditions.keys().map(String::as_str)
    }

    /// Whether a page with these metadata passes.
    pub fn matches(&self, metadata: &BTreeMap<String, Value>) -> bool {
        self.conditions.iter().all(|(field, wanted)| {
            metadata.get(field).is_some_and(|value| {
                values(value).any(|v| wanted.iter().any(|w| w.to_lowercase() == v.to_lowercase()))
            })
        })
    }
}

/// A metadata value as the texts a filter compares: a string or number itself, or each
/// string or number of a list.
pub fn values(value: &Value) -> Box<dyn Iterator<Item = String> + '_> {
    match value {
        Value::String(s) => Box::new(std::iter::once(s.clone())),
        Value::Number(n) => Box::new(std::iter::once(n.to_string())),
        Value::Bool(b) => Box::new(std::iter::once(b.to_string())),
        Value::Array(items) => Box::new(items.iter().filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })),
        _ => Box::new(std::iter::empty()),
    }
}

/// Whether a field can filter: a string, number, boolean, or a list of strings or numbers.
pub fn is_filterable(value: &Value) -> bool {
    values(value).next().is_some()
}

/// The fields `pages` can be filtered on, each with how many pages have it: what
/// `landscape check` reports and what a filter's field names are checked against.
pub fn fields_of<'a>(pages: impl IntoIterator<Item = &'a Page>) -> BTreeMap<String, usize> {
    let mut fields = BTreeMap::new();
    for page in pages {
        for (field, value) in &page.metadata {
            if is_filterable(value) {
                *fields.entry(field.clone()).or_insert(0) += 1;
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn any_value_of_a_field_and_every_field() {
        let f = Filter::parse("tags:Setup, tags:linux ,lang:en").unwrap();
        assert!(f.matches(&meta(json!({"tags": ["setup"], "lang": "en"}))));
        assert!(f.matches(&meta(json!({"tags": ["x", "Linux"], "lang": "EN"}))));
        assert!(!f.matches(&meta(json!({"tags": ["setup"]}))));
        assert!(!f.matches(&meta(json!({"tags": "other", "lang": "en"}))));
        let v = Filter::parse("version:2.1").unwrap();
        assert!(v.matches(&meta(json!({"version": 2.1}))));
        assert!(Filter::parse("").unwrap().is_empty());
    }

    #[test]
    fn both_forms_agree_and_bad_ones_say_why() {
        let json: FilterParam =
            serde_json::from_value(json!({"tags": ["setup", "linux"], "lang": "en"})).unwrap();
        assert_eq!(
            json.validate().unwrap(),
            Filter::parse("tags:setup,tags:linux,lang:en").unwrap()
        );
        for bad in ["tags", "tags:", ":x"] {
            let e = Filter::parse(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_filter", "{bad}");
        }
        let many = (0..=MAX_CONDITIONS)
            .map(|i| format!("t:{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(Filter::parse(&many).is_err());
    }
}
