//! `question`: arbitrary text through question analysis (the kinds, the cuts, the comparison
//! grammar the keyword leg asks about every query) and the spelling rules, with the
//! invariants they promise. A panic or a broken invariant is a bug.
#![no_main]

use landscape::answer::question::{self, Question};
use landscape::spelling;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = question::parse(&text);
    // One grammar decides comparisons: the keyword leg's test agrees with the parser.
    assert_eq!(
        question::asks_for_comparison(&text),
        matches!(parsed, Some(Question::Comparison { .. })),
        "asks_for_comparison disagrees with parse for {text:?}"
    );
    match &parsed {
        Some(Question::Verdict { cuts, .. }) => {
            assert!(!cuts.is_empty(), "a verdict question without cuts");
            for (x, y) in cuts {
                assert!(!x.is_empty() && !y.is_empty(), "an empty side in {cuts:?}");
            }
        }
        Some(Question::Comparison { left, right }) => {
            assert!(!left.is_empty() && !right.is_empty());
        }
        Some(Question::Definition { subject } | Question::BuiltOn { subject }) => {
            assert!(!subject.is_empty());
        }
        None => {}
    }

    // The spelling rules, between neighbouring words as the keyword leg and the resolver
    // meet them.
    let words = question::words(&text);
    let name_words = landscape::corpus::words(&text);
    for pair in words.windows(2).chain(name_words.windows(2)) {
        let (typed, word) = (&pair[0], &pair[1]);
        let allowed = spelling::max_edits(typed.chars().count());
        if let Some(d) = spelling::typo_edits(typed, word) {
            assert!(d >= 1 && d <= allowed, "{typed:?} → {word:?}: {d} edits");
        }
        for typos in [true, false] {
            if let Some(d) = spelling::prefix_edits(typed, word, typos) {
                assert!(d <= allowed, "{typed:?} opens {word:?} with {d} edits");
                assert!(typos || d == 0);
            }
        }
        let _ = spelling::edits(typed, word);
    }
    let _ = spelling::last_word_open(&text);
    assert_eq!(spelling::replace_words(&text, |_| None), text);
    let _ = spelling::replace_words(&text, |w| (w.len() % 2 == 0).then(|| w.to_uppercase()));
});
