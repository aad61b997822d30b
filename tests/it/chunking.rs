//! Chunking with the model's real tokenizer.

use landscape::chunk::{chunk_corpus, split_text, ChunkParams};
use landscape::corpus::Corpus;

use crate::common::{model, write_pages, PageSpec, Site};

fn sentence(i: usize) -> String {
    format!("Sentence number {i} talks about gradient descent, attention heads and tokenizers in some detail.")
}

#[test]
fn chunks_fit_the_model_and_overlap_by_one_sentence() {
    let counter = model().token_counter().clone();
    let text: String = (0..60).map(sentence).collect::<Vec<_>>().join(" ");
    let params = ChunkParams::default();
    let prefix = "Some Title — Technical deep dive";
    let chunks = split_text(&text, prefix, &counter, params);
    assert!(
        chunks.len() >= 4,
        "60 long sentences need several chunks, got {}",
        chunks.len()
    );
    for c in &chunks {
        let tokens = counter.count(&format!("{prefix}\n{c}"));
        assert!(tokens <= params.max_tokens, "{tokens} tokens: {c}");
        assert!(
            tokens > params.max_tokens / 2,
            "chunks are filled: {tokens}"
        );
    }
    // Each chunk starts with the last sentence of the previous one.
    for pair in chunks.windows(2) {
        let last_sentence = pair[0].rsplit_once(". ").map(|(_, s)| s).unwrap();
        assert!(
            pair[1].starts_with(last_sentence),
            "no overlap between\n{}\nand\n{}",
            pair[0],
            pair[1]
        );
    }
    // Nothing is lost: every sentence is in some chunk.
    for i in 0..60 {
        let s = sentence(i);
        assert!(chunks.iter().any(|c| c.contains(&s)), "lost: {s}");
    }
}

#[test]
fn no_overlap_when_asked_and_short_text_is_one_chunk() {
    let counter = model().token_counter().clone();
    let params = ChunkParams {
        max_tokens: 64,
        overlap_sentences: 0,
    };
    let text: String = (0..10).map(sentence).collect::<Vec<_>>().join(" ");
    let chunks = split_text(&text, "T — S", &counter, params);
    let joined = chunks.join(" ");
    assert_eq!(
        joined, text,
        "without overlap the chunks concatenate back to the text"
    );
    assert_eq!(
        split_text("Short.", "T — S", &counter, params),
        vec!["Short."]
    );
}

#[test]
fn an_over_long_sentence_is_cut_at_words() {
    let counter = model().token_counter().clone();
    let params = ChunkParams {
        max_tokens: 48,
        overlap_sentences: 1,
    };
    let words: Vec<String> = (0..200).map(|i| format!("word{i}")).collect();
    let text = words.join(" ");
    let chunks = split_text(&text, "T — S", &counter, params);
    assert!(chunks.len() > 3);
    for c in &chunks {
        assert!(counter.count(&format!("T — S\n{c}")) <= 48);
    }
    assert!(chunks.last().unwrap().ends_with("word199"));
}

#[test]
fn chunks_know_page_section_and_position() {
    let site = Site::new();
    let long: String = (0..40).map(sentence).collect::<Vec<_>>().join(" ");
    write_pages(
        &site.corpus,
        &[PageSpec {
            id: "topic",
            title: "Topic",
            aliases: &[],
            parents: &[],
            simple: "A short simple explanation.",
            deep: &long,
        }],
    );
    let corpus = Corpus::load(&site.corpus).unwrap();
    let chunks = chunk_corpus(&corpus, model().token_counter(), ChunkParams::default());
    assert_eq!(chunks[0].section, "Simple explanation");
    assert_eq!(chunks[0].position, 0);
    let deep: Vec<_> = chunks
        .iter()
        .filter(|c| c.section == "Technical deep dive")
        .collect();
    assert!(deep.len() >= 2);
    for (i, c) in deep.iter().enumerate() {
        assert_eq!(c.concept, "topic");
        assert_eq!(c.position as usize, i);
        assert!(c
            .embedding_text()
            .starts_with("Topic — Technical deep dive\n"));
    }
}
