//! The engine's side of an answer: looking names up by meaning for [`crate::answer`], at the
//! cost of no model call beyond the query's own.
//!
//! A question names its concepts, and most names are titles or aliases, which cost nothing.
//! A name no title or alias covers ("translation software") is searched in the hybrid index,
//! and the question itself is searched when a name has two meanings. Each such search used to
//! embed its text alone: a verdict question cost up to three model calls. Now the answer is
//! planned: only its name resolution runs ([`answer::lookups`]), with a search that writes down
//! its texts (which texts an answer searches never depends on what a search finds). Those
//! texts are embedded together with the query's own in one model call, and the answer is then
//! worked out with their vectors. The question's vector is the query's own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::meaning::blended;
use super::{Engine, EngineError};
use crate::answer::resolve::Found;
use crate::answer::{self, Answer};
use crate::fusion::Fusion;
use crate::request::{Mode, QueryText};

/// How the answer's searches get their query vectors.
enum Lookup<'a> {
    /// No search: names no title or alias covers stay unresolved (keyword mode, which never
    /// waits for the model, and searches that brought their own vector).
    Off,
    /// Keyword search only: the engine has no vectors.
    Keyword,
    /// Only resolve the names ([`answer::lookups`]), writing down each text that would be
    /// searched.
    Plan(&'a RefCell<Vec<String>>),
    /// Hybrid search with these vectors, embedded beforehand.
    Vectors(&'a HashMap<String, Arc<Vec<f32>>>),
}

/// An answer and the vectors of the query's own texts, embedded in the same model call.
pub(super) struct Answered {
    pub answer: Option<Answer>,
    pub own: Vec<Arc<Vec<f32>>>,
}

impl Engine {
    /// The direct answer to `question`, or `None` when it is not a question of a kind answered
    /// from the graph. Names no title or alias covers are looked up in the hybrid index, all
    /// embedded in one model call.
    pub fn answer(
        &self,
        question: &QueryText,
        explain: bool,
    ) -> Result<Option<Answer>, EngineError> {
        Ok(self.answer_embedding(question, explain, true, &[])?.answer)
    }

    /// The answer to `question` and the vectors of `own` (the query's own texts, may be
    /// empty), with one model call at most for both. Without `use_model`, names that no title
    /// or alias covers stay unresolved instead of being looked up by meaning.
    pub(super) fn answer_embedding(
        &self,
        question: &QueryText,
        explain: bool,
        use_model: bool,
        own: &[String],
    ) -> Result<Answered, EngineError> {
        let mut searched = match (use_model, &self.vectors) {
            (false, _) => Vec::new(),
            (true, None) => {
                let answer = self.answer_by(question, explain, Lookup::Keyword)?;
                return Ok(Answered {
                    answer,
                    own: Vec::new(),
                });
            }
            (true, Some(_)) => {
                let recorded = RefCell::new(Vec::new());
                self.answer_by(question, explain, Lookup::Plan(&recorded))?;
                recorded.into_inner()
            }
        };
        // The question's vector is the query's own when the query embeds.
        let mut seen = std::collections::HashSet::new();
        searched.retain(|text| {
            (own.is_empty() || text != question.as_str()) && seen.insert(text.clone())
        });
        let texts: Vec<String> = own.iter().chain(&searched).cloned().collect();
        let mut vectors = if texts.is_empty() {
            Vec::new()
        } else {
            self.query_vectors(&texts)?
        };
        let theirs = vectors.split_off(own.len());
        let mut by_text: HashMap<String, Arc<Vec<f32>>> =
            searched.into_iter().zip(theirs).collect();
        if !vectors.is_empty() {
            by_text.insert(question.as_str().to_string(), blended(&vectors));
        }
        let lookup = match use_model {
            true => Lookup::Vectors(&by_text),
            false => Lookup::Off,
        };
        let answer = self.answer_by(question, explain, lookup)?;
        Ok(Answered {
            answer,
            own: vectors,
        })
    }

    /// Runs the answer with its searches served as `lookup` says.
    fn answer_by(
        &self,
        question: &QueryText,
        explain: bool,
        lookup: Lookup<'_>,
    ) -> Result<Option<Answer>, EngineError> {
        if !self.has_concepts {
            return Ok(None);
        }
        let search = |text: &str| -> Result<Vec<Found>, EngineError> {
            let vector = match &lookup {
                Lookup::Off | Lookup::Keyword => None,
                Lookup::Plan(texts) => {
                    texts.borrow_mut().push(text.to_string());
                    return Ok(Vec::new());
                }
                // Every text searched was recorded; embedding one alone is the fallback
                // should the answer ever search a text it did not search before.
                Lookup::Vectors(by_text) => Some(match by_text.get(text) {
                    Some(v) => v.clone(),
                    None => self.query_vector(text)?,
                }),
            };
            let mode = if vector.is_some() {
                Mode::Hybrid
            } else {
                Mode::Keyword
            };
            let hits = self.rank_pages(
                text,
                vector.as_deref().map(Vec::as_slice),
                mode,
                Fusion::default(),
                10,
                None,
            )?;
            // Only pages of the concept layer are answered about.
            Ok(hits
                .into_iter()
                .filter(|h| self.pages.get(&h.page).is_some_and(|p| p.concept))
                .map(|h| Found {
                    page: h.page,
                    score: h.best.score,
                    similarity: h.similarity,
                })
                .collect())
        };
        let context = answer::Context {
            corpus: &self.pages,
            names: &self.names,
            analyzer: &self.analyzer,
            search: match lookup {
                Lookup::Off => None,
                _ => Some(&search),
            },
        };
        if let Lookup::Plan(_) = lookup {
            answer::lookups(&context, question.as_str())?;
            return Ok(None);
        }
        answer::answer(&context, question.as_str(), explain)
    }
}
