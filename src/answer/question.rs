//! Recognising the kind of question asked and cutting out the names it mentions.
//!
//! Purely textual: no concept is looked up here. Where the text alone cannot say where one
//! name ends and the next begins ("is deep learning machine learning"), the parser returns
//! every cut, and the resolver keeps the one whose two sides both name concepts.

use serde::Serialize;

/// What an is-a question asks about the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Asked {
    /// "is X a Y", "is X a kind of Y".
    IsA,
    /// "is X part of Y".
    PartOf,
    /// "does X use Y", "is Y used in X", "is X built on Y".
    Uses,
}

/// A question of a kind landscape can answer from the concept graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// A yes/no question about X and Y: is X a Y, is X part of Y, does X use Y (`asked`
    /// says which). Each pair is one way of cutting the text into (X, Y), most likely first.
    Verdict {
        asked: Asked,
        cuts: Vec<(String, String)>,
    },
    /// X vs Y.
    Comparison { left: String, right: String },
    /// What is X?
    Definition { subject: String },
    /// What is X built on? What does X use?
    BuiltOn { subject: String },
}

/// Words that, standing alone as a side, show the text is not about concepts ("is it
/// raining", "is this right").
const PRONOUNS: &[&str] = &[
    "it", "this", "that", "there", "they", "he", "she", "you", "i", "we", "what", "which", "who",
];

/// Phrases between X and Y that say what is asked, longest first so "a kind of" wins over "a".
const IS_A_MARKERS: &[(&str, Asked)] = &[
    ("a kind of", Asked::IsA),
    ("a type of", Asked::IsA),
    ("a form of", Asked::IsA),
    ("a sort of", Asked::IsA),
    ("a subset of", Asked::IsA),
    ("a subfield of", Asked::IsA),
    ("a branch of", Asked::IsA),
    ("a variant of", Asked::IsA),
    ("an example of", Asked::IsA),
    ("an instance of", Asked::IsA),
    ("an application of", Asked::IsA),
    ("kind of", Asked::IsA),
    ("type of", Asked::IsA),
    ("form of", Asked::IsA),
    ("subset of", Asked::IsA),
    ("branch of", Asked::IsA),
    ("example of", Asked::IsA),
    ("considered a", Asked::IsA),
    ("considered an", Asked::IsA),
    ("considered", Asked::IsA),
    ("a part of", Asked::PartOf),
    ("part of", Asked::PartOf),
    ("a component of", Asked::PartOf),
    ("component of", Asked::PartOf),
    ("a", Asked::IsA),
    ("an", Asked::IsA),
    ("the", Asked::IsA),
];

/// The question's words, lower-cased, with punctuation that cannot be part of a name removed.
///
/// Not [`crate::corpus::words`], on purpose: that one splits at every non-alphanumeric
/// character, which suits comparing names ("GPT-4" and "gpt 4" are the same words) but would
/// break this grammar, which must see "what's", "isn't" and "vs." as single words and must not
/// cut a question between the halves of "k-means" or "GPT-4". The sides cut out here are
/// compared with names through `corpus::words` afterwards.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['?', '!', ',', ';', ':', '"', '“', '”', '(', ')'], " ")
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| c == '.' || c == '\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Drops a leading article: "a GAN" → "GAN".
fn without_article(words: &[String]) -> &[String] {
    match words.first().map(String::as_str) {
        Some("a" | "an" | "the") if words.len() > 1 => &words[1..],
        _ => words,
    }
}

fn join(words: &[String]) -> String {
    words.join(" ")
}

fn is_side(words: &[String]) -> bool {
    match words {
        [] => false,
        [one] => !PRONOUNS.contains(&one.as_str()),
        _ => true,
    }
}

/// Whether `text` asks to compare two things. The one grammar for it: the keyword leg counts
/// comparison pages' side names only for such questions, and the answer compares exactly these.
/// (The same test as `parse` returning a comparison, which it tries first, without cutting
/// the text for the other kinds: the keyword leg asks this of every query.)
pub fn asks_for_comparison(text: &str) -> bool {
    comparison(strip_politeness(&words(text))).is_some()
}

/// Parses a question; `None` when it is not one of the kinds answered.
pub fn parse(text: &str) -> Option<Question> {
    let w = words(text);
    let w: Vec<String> = strip_politeness(&w).to_vec();
    if w.is_empty() || w.len() > MAX_QUESTION_WORDS {
        return None;
    }
    comparison(&w)
        .or_else(|| uses(&w))
        .or_else(|| is_a(&w))
        .or_else(|| definition(&w))
}

/// "can you tell me", "please", "i wonder" in front of the real question.
fn strip_politeness(w: &[String]) -> &[String] {
    let mut w = w;
    for prefix in [
        &["please"][..],
        &["can", "you", "tell", "me"][..],
        &["tell", "me"][..],
        &["i", "wonder"][..],
        &["quick", "question"][..],
    ] {
        if w.len() > prefix.len() && w.iter().zip(prefix).all(|(a, b)| a == b) {
            w = &w[prefix.len()..];
        }
    }
    w
}

fn comparison(w: &[String]) -> Option<Question> {
    let pos = |word: &str| w.iter().position(|x| x == word);
    let pair = |left: &[String], right: &[String]| {
        let (left, right) = (without_article(left), without_article(right));
        (is_side(left) && is_side(right)).then(|| Question::Comparison {
            left: join(left),
            right: join(right),
        })
    };
    // "X vs Y", "X versus Y", "X vs. Y"
    if let Some(i) = w.iter().position(|x| matches!(x.as_str(), "vs" | "versus")) {
        let left = strip_lead(&w[..i], &["compare", "comparing"]);
        return pair(left, strip_trail(&w[i + 1..]));
    }
    // "difference(s) between X and Y", "comparison of/between X and Y"
    if let Some(b) = pos("between").or_else(|| pos("of")) {
        let cue = b.checked_sub(1).map(|i| w[i].as_str());
        let of_ok = w[b] == "between" || cue == Some("comparison");
        if of_ok && cue.is_some_and(|c| c.starts_with("difference") || c == "comparison") {
            let rest = &w[b + 1..];
            let and = rest.iter().position(|x| x == "and")?;
            return pair(&rest[..and], strip_trail(&rest[and + 1..]));
        }
    }
    // "compare X and/with/to Y", "X compared to/with Y"
    if let Some(c) = w
        .iter()
        .position(|x| x == "compare" || x == "comparing")
        .filter(|&c| c == 0)
    {
        let rest = &w[c + 1..];
        let j = rest
            .iter()
            .position(|x| matches!(x.as_str(), "and" | "with" | "to"))?;
        return pair(&rest[..j], strip_trail(&rest[j + 1..]));
    }
    if let Some(c) = pos("compared") {
        let next = w.get(c + 1).map(String::as_str);
        if matches!(next, Some("to" | "with")) {
            return pair(&w[..c], strip_trail(&w[c + 2..]));
        }
    }
    // "X or Y, which should I use", "should I use X or Y", "which is better, X or Y"
    let asks_which = w.iter().any(|x| x == "which")
        || w.starts_with(&["should".into(), "i".into(), "use".into()]);
    if asks_which {
        let or = pos("or")?;
        let lead: &[&str] = &[
            "should", "i", "use", "which", "is", "better", "one", "pick", "choose",
        ];
        let left = strip_words_front(&w[..or], lead);
        let right = cut_at_which(&w[or + 1..]);
        return pair(left, right);
    }
    None
}

/// Drops leading words from the set `lead`.
fn strip_words_front<'a>(w: &'a [String], lead: &[&str]) -> &'a [String] {
    let n = w.iter().take_while(|x| lead.contains(&x.as_str())).count();
    &w[n..]
}

fn strip_lead<'a>(w: &'a [String], lead: &[&str]) -> &'a [String] {
    match w.first() {
        Some(first) if lead.contains(&first.as_str()) => &w[1..],
        _ => w,
    }
}

/// Drops a tail that is not part of the name: "…, which is better", "… for search".
fn strip_trail(w: &[String]) -> &[String] {
    cut_at_which(w)
}

fn cut_at_which(w: &[String]) -> &[String] {
    let end = w
        .iter()
        .position(|x| matches!(x.as_str(), "which" | "what" | "when" | "for" | "in"))
        .unwrap_or(w.len());
    &w[..end]
}

/// "does X use Y", "do Xs use Y", "is Y used in/by X", "is X built on/upon Y", "is X based on
/// Y", and "what is X built on" / "what does X use".
fn uses(w: &[String]) -> Option<Question> {
    let pos = |word: &str| w.iter().position(|x| x == word);
    let pair = |x: &[String], y: &[String]| {
        let (x, y) = (without_article(x), without_article(strip_trail(y)));
        (is_side(x) && is_side(y)).then(|| Question::Verdict {
            asked: Asked::Uses,
            cuts: vec![(join(x), join(y))],
        })
    };
    match w.first().map(String::as_str)? {
        "does" | "do" => {
            let verb = pos("use").or_else(|| pos("rely"))?;
            let y = match w.get(verb + 1).map(String::as_str) {
                Some("on") => &w[verb + 2..],
                _ => &w[verb + 1..],
            };
            pair(&w[1..verb], y)
        }
        "is" | "are" => {
            // "is Y used in X" names the user second; "is X built on Y" the user first.
            if let Some(used) = pos("used").filter(|&u| u > 1) {
                let by = w.get(used + 1).map(String::as_str);
                if matches!(by, Some("in" | "by")) {
                    return pair(&w[used + 2..], &w[1..used]);
                }
            }
            let built = pos("built")
                .or_else(|| pos("based"))
                .or_else(|| pos("trained"))?;
            let on = w.get(built + 1).map(String::as_str);
            matches!(on, Some("on" | "upon" | "with")).then_some(())?;
            pair(&w[1..built], &w[built + 2..])
        }
        "what" => {
            let subject = match w {
                [_, is, x @ .., built, on] if is == "is" && built == "built" && on == "on" => x,
                [_, is, x @ .., based, on] if is == "is" && based == "based" && on == "on" => x,
                [_, does, x @ .., verb] if does == "does" && verb == "use" => x,
                _ => return None,
            };
            let subject = without_article(subject);
            is_side(subject).then(|| Question::BuiltOn {
                subject: join(subject),
            })
        }
        _ => None,
    }
}

fn is_a(w: &[String]) -> Option<Question> {
    // "is X Y", "are Xs Ys", "isn't X Y", "does X count as Y", "is it true that X is Y"
    let body: &[String] = match w[0].as_str() {
        "is" | "are" | "isn't" | "aren't" | "isnt" | "arent" => {
            let rest = &w[1..];
            if rest.starts_with(&["it".into(), "true".into(), "that".into()]) {
                return statement(&rest[3..]);
            }
            rest
        }
        "does" | "do" => {
            let count = w.iter().position(|x| x == "count")?;
            if w.get(count + 1).map(String::as_str) != Some("as") {
                return None;
            }
            let mut body = w[1..count].to_vec();
            body.push("a".into());
            body.extend_from_slice(&w[count + 2..]);
            return cuts(&body, true);
        }
        _ => return statement(w),
    };
    cuts(body, false)
}

/// "X is a Y?" typed as a statement: the question mark was stripped, the shape remains.
fn statement(w: &[String]) -> Option<Question> {
    const ASKING: &[&str] = &[
        "how", "why", "when", "where", "what", "what's", "which", "who", "whose", "do", "does",
        "can", "could", "should", "would", "will", "explain", "define", "describe",
    ];
    if w.first().is_some_and(|x| ASKING.contains(&x.as_str())) {
        return None;
    }
    let is = w.iter().position(|x| x == "is" || x == "are")?;
    if is == 0 || !reads_as_asked(w, is) {
        return None;
    }
    let mut body = w[..is].to_vec();
    body.extend_from_slice(&w[is + 1..]);
    // The verb separated the sides; keep that cut first.
    let subject = without_article(&w[..is]);
    let object = without_article(&w[is + 1..]);
    let mut q = cuts(&body, false)?;
    if let Question::Verdict { cuts, .. } = &mut q {
        if is_side(subject) && is_side(object) {
            cuts.insert(0, (join(subject), join(object)));
            cuts.dedup();
        }
    }
    Some(q)
}

/// Longest text read as a question at all. The development and verdict questions have at
/// most 14 words; a longer text is a passage pasted into the box, whose "X is Y" sentences
/// and "what is" phrases would each send a long name to be looked up by meaning.
const MAX_QUESTION_WORDS: usize = 24;

/// Longest sentence read as a question typed without its question word ("gpt-4 is
/// generative ai"); longer ones are statements (a claim pasted into the box), and answering
/// them would cost a name search per cut for nothing.
const MAX_STATED_QUESTION_WORDS: usize = 10;

/// Whether "X is Y" (the verb at `is`) reads as an is-a question rather than a statement
/// such as "mercaptopurine is anabolized into methylmercaptopurine": short, and no verb form
/// after the verb ("is used", "are trained", "is anabolized").
fn reads_as_asked(w: &[String], is: usize) -> bool {
    let participle = |x: &str| x.len() >= 4 && x.ends_with("ed");
    let next = w[is + 1..]
        .iter()
        .find(|x| !matches!(x.as_str(), "not" | "also" | "often" | "usually" | "always"));
    w.len() <= MAX_STATED_QUESTION_WORDS && !next.is_some_and(|x| participle(x))
}

/// Every cut of `body` into X and Y: at a marker phrase when there is one, else between any
/// two words. `marker_only` forbids the word-by-word cuts.
fn cuts(body: &[String], marker_only: bool) -> Option<Question> {
    let body = without_article(body);
    if body.len() < 2 {
        return None;
    }
    // A marker after the first word: the nearest to the start wins, longest phrase first.
    for start in 1..body.len() {
        for (marker, asked) in IS_A_MARKERS {
            let m: Vec<&str> = marker.split(' ').collect();
            let end = start + m.len();
            if end < body.len() && body[start..end].iter().zip(&m).all(|(a, b)| a == b) {
                let (x, y) = (&body[..start], without_article(&body[end..]));
                if is_side(x) && is_side(y) {
                    let mut all = vec![(join(x), join(y))];
                    if !marker_only && m.len() == 1 {
                        // A lone article may belong to a name ("is ai a field") - keep the
                        // word cuts as fallbacks.
                        all.extend(word_cuts(body));
                        all.dedup();
                    }
                    return Some(Question::Verdict {
                        asked: *asked,
                        cuts: all,
                    });
                }
            }
        }
    }
    if marker_only {
        return None;
    }
    let all = word_cuts(body);
    (!all.is_empty()).then_some(Question::Verdict {
        asked: Asked::IsA,
        cuts: all,
    })
}

fn word_cuts(body: &[String]) -> Vec<(String, String)> {
    (1..body.len())
        .map(|i| (&body[..i], without_article(&body[i..])))
        .filter(|(x, y)| is_side(x) && is_side(y))
        .map(|(x, y)| (join(x), join(y)))
        .collect()
}

fn definition(w: &[String]) -> Option<Question> {
    let subject: &[String] = match w {
        [a, b, rest @ ..] if a == "what" && matches!(b.as_str(), "is" | "are" | "'s") => rest,
        [a, rest @ ..] if a == "what's" || a == "whats" => rest,
        [a, b, c, rest @ ..]
            if a == "what" && b == "does" && rest.last().is_some_and(|x| x == "mean") =>
        {
            let mut v = vec![c.clone()];
            v.extend_from_slice(&rest[..rest.len() - 1]);
            return definition_of(&v);
        }
        [a, rest @ ..] if matches!(a.as_str(), "explain" | "define" | "describe") => rest,
        [a, b, rest @ ..] if a == "who" && b == "is" => rest,
        [a, b, rest @ ..] if a == "meaning" && b == "of" => rest,
        [a, b, rest @ ..] if a == "definition" && b == "of" => rest,
        _ => return None,
    };
    definition_of(subject)
}

fn definition_of(subject: &[String]) -> Option<Question> {
    // "what is meant by X", "explain to me X"
    let subject = strip_words_front(subject, &["meant", "by", "to", "me"]);
    let subject = without_article(subject);
    // "what is X in machine learning" keeps X only when a qualifier follows.
    let end = subject
        .iter()
        .position(|x| matches!(x.as_str(), "in" | "and" | "for" | "used"))
        .filter(|&i| i > 0)
        .unwrap_or(subject.len());
    let subject = &subject[..end];
    is_side(subject).then(|| Question::Definition {
        subject: join(subject),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_not_read_as_questions() {
        for text in [
            "Mercaptopurine is anabolized into the inactive methylmercaptopurine",
            "transformers are trained on large text corpora",
            "attention is computed with a softmax",
            "the activation of the enzyme in early development is a key step for the growth of cells",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        // Typed without its question word, a short is-a sentence is still asked.
        assert!(matches!(
            parse("gpt-4 is generative ai"),
            Some(Question::Verdict { .. })
        ));
        assert!(matches!(
            parse("a GAN is a generative model"),
            Some(Question::Verdict { .. })
        ));
        // A passage pasted into the box is no question, whatever phrases it holds.
        let pasted = "Diffusion models learn to undo noise step by step. What is new is the \
            speed: a distilled model needs four steps where the original needed fifty, and \
            GANs vs diffusion is no longer a question of quality alone.";
        assert_eq!(parse(pasted), None);
        assert!(parse("what is the difference between a diffusion model and a GAN").is_some());
    }

    fn first_cut(q: &str) -> (Asked, String, String) {
        match parse(q) {
            Some(Question::Verdict { asked, cuts }) => {
                (asked, cuts[0].0.clone(), cuts[0].1.clone())
            }
            other => panic!("{q}: {other:?}"),
        }
    }

    #[test]
    fn is_a_questions_cut_at_the_article_or_marker() {
        assert_eq!(
            first_cut("is GPT-4 a large language model?"),
            (Asked::IsA, "gpt-4".into(), "large language model".into())
        );
        assert_eq!(
            first_cut("Is a GAN deep learning?").1,
            "gan",
            "the leading article is not part of X"
        );
        assert_eq!(
            first_cut("is LoRA a kind of fine-tuning?"),
            (Asked::IsA, "lora".into(), "fine-tuning".into())
        );
        assert_eq!(
            first_cut("is machine learning part of AI?"),
            (Asked::PartOf, "machine learning".into(), "ai".into())
        );
        assert_eq!(
            first_cut("does ChatGPT count as an LLM"),
            (Asked::IsA, "chatgpt".into(), "llm".into())
        );
        assert_eq!(
            first_cut("GPT-4 is generative AI?"),
            (Asked::IsA, "gpt-4".into(), "generative ai".into())
        );
    }

    #[test]
    fn uses_questions_name_the_user_first() {
        let uses = |q: &str| match parse(q) {
            Some(Question::Verdict {
                asked: Asked::Uses,
                cuts,
            }) => cuts[0].clone(),
            other => panic!("{q}: {other:?}"),
        };
        let pair = |x: &str, y: &str| (x.to_string(), y.to_string());
        assert_eq!(
            uses("does GPT-4 use a transformer?"),
            pair("gpt-4", "transformer")
        );
        assert_eq!(uses("do LLMs use attention"), pair("llms", "attention"));
        assert_eq!(
            uses("is attention used in BERT?"),
            pair("bert", "attention")
        );
        assert_eq!(
            uses("is Whisper built on a transformer"),
            pair("whisper", "transformer")
        );
        assert_eq!(
            uses("is llama based on the transformer"),
            pair("llama", "transformer")
        );
        assert_eq!(uses("does chatgpt rely on rlhf"), pair("chatgpt", "rlhf"));
        assert_eq!(uses("is GPT trained with RLHF?"), pair("gpt", "rlhf"));
        for q in ["what is GPT-4 built on?", "what does stable diffusion use"] {
            assert!(matches!(parse(q), Some(Question::BuiltOn { .. })), "{q}");
        }
    }

    #[test]
    fn without_a_marker_every_word_cut_is_offered() {
        let Some(Question::Verdict { cuts, .. }) = parse("is deep learning machine learning")
        else {
            panic!()
        };
        assert!(cuts.contains(&("deep learning".into(), "machine learning".into())));
        assert_eq!(cuts.len(), 3);
    }

    #[test]
    fn comparisons_in_their_usual_shapes() {
        let cmp = |q: &str| match parse(q) {
            Some(Question::Comparison { left, right }) => (left, right),
            other => panic!("{q}: {other:?}"),
        };
        let rag = ("rag".to_string(), "fine-tuning".to_string());
        assert_eq!(cmp("RAG vs fine-tuning"), rag);
        assert_eq!(cmp("rag versus fine-tuning?"), rag);
        assert_eq!(
            cmp("what is the difference between RAG and fine-tuning"),
            rag
        );
        assert_eq!(cmp("compare RAG and fine-tuning"), rag);
        assert_eq!(cmp("RAG compared to fine-tuning"), rag);
        assert_eq!(cmp("RAG or fine-tuning, which should I use?"), rag);
        assert_eq!(cmp("should I use RAG or fine-tuning"), rag);
        assert_eq!(cmp("a comparison of RAG and fine-tuning"), rag);
        assert_eq!(cmp("differences between RAG and fine-tuning"), rag);
    }

    #[test]
    fn one_grammar_decides_what_asks_for_a_comparison() {
        for q in [
            "RAG vs fine-tuning",
            "lstm vs. gru",
            "GPU versus TPU",
            "what is the difference between BERT and GPT",
            "compare LoRA and QLoRA",
            "supervised compared to unsupervised learning",
            "should I use RAG or fine-tuning",
            "CNN or transformer for images, which should I use",
        ] {
            assert!(asks_for_comparison(q), "{q}");
        }
        for q in [
            "what is RAG",
            "is GPT-4 generative AI?",
            "versatile models",
            "between layers",
            "the difference between",
        ] {
            assert!(!asks_for_comparison(q), "{q}");
        }
    }

    #[test]
    fn definitions() {
        let def = |q: &str| match parse(q) {
            Some(Question::Definition { subject }) => subject,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(def("what is a transformer"), "transformer");
        assert_eq!(def("What are LLMs?"), "llms");
        assert_eq!(def("explain RLHF"), "rlhf");
        assert_eq!(def("what's quantization"), "quantization");
        assert_eq!(def("what does RAG mean"), "rag");
        assert_eq!(
            def("what is a transformer in machine learning"),
            "transformer"
        );
    }

    /// Every sequence of up to five words from the grammar's own vocabulary parses without a
    /// panic (the cuts index into the word list in many ways).
    #[test]
    fn no_arrangement_of_grammar_words_panics() {
        let vocabulary = [
            "is", "does", "use", "used", "in", "built", "on", "what", "a", "x", "vs", "or", "part",
            "of", "trained", "with",
        ];
        let n = vocabulary.len();
        for len in 1..=5u32 {
            for mut code in 0..n.pow(len) {
                let mut words = Vec::new();
                for _ in 0..len {
                    words.push(vocabulary[code % n]);
                    code /= n;
                }
                let text = words.join(" ");
                let _ = parse(&text);
                let _ = asks_for_comparison(&text);
            }
        }
    }

    #[test]
    fn other_text_is_not_a_question_we_answer() {
        for q in [
            "transformer attention heads",
            "is it raining",
            "is",
            "",
            "how are large language models pretrained",
            "GPT-4",
        ] {
            assert_eq!(parse(q), None, "{q}");
        }
    }
}
