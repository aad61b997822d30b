//! A visitor in a real browser: headless Chromium driven through ChromeDriver (WebDriver) over
//! the built-in corpus served in-process. The search page's answer card, results while typing,
//! keyboard-only navigation to a concept page, the widget on an allowed and on a refused origin,
//! and a phone-width layout. Chromium and ChromeDriver come from `scripts/setup-browser`; when
//! they are missing the test fails and says so (it never skips).
//!
//! Every check waits for the page to reach a state (polling every 50 ms, at most 20 s); no
//! assertion depends on how fast anything is. Screenshots go to `target/browser/`.

use std::future::Future;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);
/// Between two keystrokes of a visitor typing.
const KEYSTROKE: Duration = Duration::from_millis(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_searches_types_and_navigates_in_a_real_browser() {
    let browser = Browser::start().await;
    let servers = Servers::start().await;
    asks_a_question_and_gets_the_answer_card(&browser, &servers).await;
    sees_a_concept_before_finishing_its_name(&browser).await;
    searches_and_opens_a_result_with_the_keyboard_only(&browser, &servers).await;
    uses_the_widget_on_an_allowed_origin(&browser, &servers).await;
    the_widget_on_a_refused_origin_gets_nothing(&browser, &servers).await;
    reads_the_answer_on_a_phone(&browser, &servers).await;
    browser.quit().await;
    servers.stop().await;
}

// ---- the steps -------------------------------------------------------------------------------

async fn asks_a_question_and_gets_the_answer_card(b: &Browser, s: &Servers) {
    b.open_search_page(&format!("{}/", s.api)).await;
    b.click("#q").await;
    b.type_slowly("is gpt4 generative ai").await;
    let page = b
        .wait_for_page("the answer card saying yes, with GPT-4 first", |page| {
            let first = page.results.first();
            page.is_full()
                && page.verdict.as_deref() == Some("yes")
                && first.is_some_and(|r| r.points_at("gpt-4") || r.title.contains("GPT-4"))
        })
        .await;
    assert_eq!(page.value, "is gpt4 generative ai");
    assert_eq!(page.expanded.as_deref(), Some("true"), "{page:?}");
    b.screenshot("01-answer").await;
}

async fn sees_a_concept_before_finishing_its_name(b: &Browser) {
    b.clear_search_box().await;
    b.type_slowly("tokeniz").await;
    let page = b
        .wait_for_page("Tokenization among the results", |page| {
            page.results.iter().any(|r| r.points_at("tokenization"))
        })
        .await;
    let never_completed = "the visitor never typed the whole word";
    assert_eq!(page.value, "tokeniz", "{never_completed}");
    b.screenshot("02-prefix").await;
}

async fn searches_and_opens_a_result_with_the_keyboard_only(b: &Browser, s: &Servers) {
    b.clear_search_box().await;
    // Leave the box for the page (the intro is back now that the box is empty), then come back
    // with "/", the page's shortcut.
    b.click("#intro-h").await;
    b.wait_for_page("the search box to lose the focus", |page| !page.focused)
        .await;
    b.press_char('/').await;
    b.wait_for_page("\"/\" to focus the search box", |page| page.focused)
        .await;
    b.type_slowly("transformer").await;
    let page = b
        .wait_for_page("the full results after the pause", |page| {
            page.is_full() && page.results.len() >= 2
        })
        .await;
    let second = page.results[1].clone();
    b.press(Key::Down).await;
    b.press(Key::Down).await;
    let page = b.search_page().await.unwrap();
    assert_eq!(page.active.as_deref(), Some(second.id.as_str()), "{page:?}");
    assert_eq!(page.expanded.as_deref(), Some("true"), "{page:?}");
    let chosen = &page.results[1];
    assert!(chosen.active && chosen.selected, "{page:?}");

    b.press(Key::Enter).await;
    let want = format!("{}{}", s.api, second.href);
    b.wait_for_js(
        &format!("the browser to open {want}"),
        "return location.href",
        |here| *here == want,
    )
    .await;
    let h1 = "const h = document.querySelector('article h1'); return h && h.textContent.trim()";
    let h1 = b
        .wait_for_js("the concept page's heading", h1, Value::is_string)
        .await;
    assert_eq!(h1, second.title.as_str());
    b.screenshot("03-keyboard-to-concept").await;
}

async fn uses_the_widget_on_an_allowed_origin(b: &Browser, s: &Servers) {
    b.goto(&s.second).await;
    b.click("#q").await;
    b.type_slowly("quantization").await;
    let want = format!("{}/c/quantization", s.api);
    let widget = b
        .wait_for_widget("a widget option linking to Quantization", |w| {
            w.open && w.options.iter().any(|o| o.split('#').next() == Some(&want))
        })
        .await;
    assert_eq!(widget.message, None, "{widget:?}");
    b.screenshot("04-widget").await;
}

async fn the_widget_on_a_refused_origin_gets_nothing(b: &Browser, s: &Servers) {
    b.goto(&s.third).await;
    b.click("#q").await;
    b.type_slowly("quantization").await;
    let widget = b
        .wait_for_widget("the widget to say the search is unavailable", |w| {
            w.message.as_deref() == Some("Search is unavailable")
        })
        .await;
    assert!(widget.open && widget.options.is_empty(), "{widget:?}");
    b.screenshot("05-widget-refused").await;

    // Why: no CORS header for the third origin, while the second one gets its own.
    let allowed = |origin: String| async move {
        let response = reqwest::Client::new()
            .get(format!("{}/search?q=quantization", s.api))
            .header("origin", &origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let header = response.headers().get("access-control-allow-origin");
        header.map(|h| h.to_str().unwrap().to_string())
    };
    assert_eq!(allowed(s.third.clone()).await, None);
    assert_eq!(allowed(s.second.clone()).await, Some(s.second.clone()));
}

async fn reads_the_answer_on_a_phone(b: &Browser, s: &Servers) {
    b.client.set_window_size(375, 800).await.unwrap();
    b.open_search_page(&format!("{}/?q=is+gpt4+generative+ai", s.api))
        .await;
    b.wait_for_page("the answer on a phone", |page| {
        page.is_full() && page.verdict.is_some()
    })
    .await;
    let size = b
        .js("return [document.documentElement.scrollWidth, window.innerWidth]")
        .await
        .unwrap();
    let (scroll, inner) = (size[0].as_u64().unwrap(), size[1].as_u64().unwrap());
    assert!(inner < 500, "the window is phone-sized: {inner} px wide");
    let no_scroll = scroll <= inner;
    assert!(
        no_scroll,
        "horizontal scroll: {scroll} px of content in {inner} px"
    );
    b.screenshot("06-phone").await;
}

// ---- what the tests read off the pages -------------------------------------------------------

/// The search page (or a concept page's search form) as a visitor and a screen reader see it.
#[derive(Debug, Deserialize)]
struct SearchPage {
    value: String,
    focused: bool,
    expanded: Option<String>,
    active: Option<String>,
    verdict: Option<String>,
    summary: String,
    /// The text of the last full (hybrid) request the page made.
    full_q: Option<String>,
    results: Vec<Hit>,
}

#[derive(Debug, Clone, Deserialize)]
struct Hit {
    id: String,
    href: String,
    title: String,
    active: bool,
    selected: bool,
}

const SEARCH_PAGE: &str = r#"
const q = document.getElementById('q'), verdict = document.querySelector('#answer:not([hidden]) .verdict');
const full = performance.getEntriesByType('resource').filter((e) => /[/]search[?].*mode=hybrid/.test(e.name)).pop();
return {
  full_q: full ? new URL(full.name).searchParams.get('q') : null,
  value: q.value, focused: document.activeElement === q,
  expanded: q.getAttribute('aria-expanded'), active: q.getAttribute('aria-activedescendant'),
  verdict: verdict && verdict.dataset.verdict, summary: document.getElementById('summary').textContent,
  results: [...document.querySelectorAll('#results-list li.result')].map((li) => {
    const a = li.querySelector('a.result-link');
    return { id: li.id, href: a.getAttribute('href'), title: a.textContent,
             active: li.classList.contains('active'), selected: li.getAttribute('aria-selected') === 'true' };
  }),
};"#;

impl SearchPage {
    /// The full (hybrid) search for what is in the box has answered and is shown, not only the
    /// quick keyword one. (A full search for an earlier prefix, after a pause in typing, leaves
    /// its summary up until the next answer.)
    fn is_full(&self) -> bool {
        self.summary.contains("· hybrid") && self.full_q.as_deref() == Some(self.value.as_str())
    }
}

impl Hit {
    fn points_at(&self, id: &str) -> bool {
        self.href.split('#').next() == Some(&format!("/c/{id}"))
    }
}

/// The widget's dropdown on a host page.
#[derive(Debug, Deserialize)]
struct Widget {
    open: bool,
    /// Each option's link, absolute.
    options: Vec<String>,
    /// The message line when it shows.
    message: Option<String>,
}

const WIDGET: &str = r#"
const pop = document.querySelector('.lsw-pop'), msg = document.querySelector('.lsw-msg');
return {
  open: !!pop && !pop.hidden,
  options: [...document.querySelectorAll('ul.lsw-list li.lsw-option a.lsw-link')].map((a) => a.href),
  message: msg && !msg.hidden ? msg.textContent : null,
};"#;

/// Poll `probe` every 50 ms until it gives `Ok`, for at most 20 s; then fail with what was
/// awaited and what the probe last saw.
async fn wait_for<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        match probe().await {
            Ok(found) => return found,
            Err(seen) if start.elapsed() > TIMEOUT => {
                panic!("waited {TIMEOUT:?} for {what}; last seen: {seen}")
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

// ---- the servers -----------------------------------------------------------------------------

/// The API and search page on one loopback port, and two host pages embedding the widget on two
/// more: the second origin is allowed by CORS, the third is not.
struct Servers {
    api: String,
    second: String,
    third: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Servers {
    async fn start() -> Servers {
        let (api_listener, api) = bind().await;
        let (second_listener, second) = bind().await;
        let (third_listener, third) = bind().await;
        let engine = Arc::new(landscape::live::LiveEngine::fixed(Arc::new(
            crate::search::builtin().engine(),
        )));
        let mut options =
            landscape::http::HttpOptions::with_cors_origins(std::slice::from_ref(&second)).unwrap();
        options.corpus_dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(landscape::http::serve(
            api_listener,
            engine,
            options,
            async {
                let _ = stopped.await;
            },
        ));
        serve_host_page(second_listener, &api, "An allowed site");
        serve_host_page(third_listener, &api, "A site the API does not allow");
        Servers {
            api,
            second,
            third,
            stop,
            task,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

async fn bind() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

/// Another site's page with a search box that the widget, loaded from the API server, takes over.
/// It is served until the test's runtime ends.
fn serve_host_page(listener: TcpListener, api: &str, title: &str) {
    let html = format!(
        r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-family: sans-serif; margin: 2rem">
<h1>{title}</h1>
<label for="q">Search the docs</label>
<input id="q" type="search" placeholder="Search" style="display: block; width: 320px; padding: 6px">
<script src="{api}/widget.js" data-input="#q"></script>
</body></html>"##
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async { axum::response::Html(html) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
}

// ---- the browser -----------------------------------------------------------------------------

/// Headless Chromium under a ChromeDriver that this test started and kills when dropped.
struct Browser {
    client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// ChromeDriver in a process group of its own, with the browser it starts: dropping it (also on
/// a panic) kills the group.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

impl Browser {
    async fn start() -> Browser {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: run scripts/setup-browser (it installs Chromium and ChromeDriver)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let driver = Driver(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}")),
        );
        let url = format!("http://127.0.0.1:{port}");
        wait_for("ChromeDriver to answer", || async {
            match reqwest::get(format!("{url}/status")).await {
                Ok(r) if r.status().is_success() => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
        let profile = tempfile::tempdir().unwrap();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(profile.path()))
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("ChromeDriver could not start {CHROMIUM}: {e}"));
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    async fn quit(self) {
        self.client.clone().close().await.unwrap();
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The search page once it has started: it asks `/healthz` for the modes (and fills in the
    /// footer) before it reads the query from the URL, and until then a keystroke can be undone
    /// by the URL's empty query.
    async fn open_search_page(&self, url: &str) {
        self.goto(url).await;
        let footer = "return document.getElementById('index-info').textContent";
        self.wait_for_js("the search page to start", footer, |f| {
            f.as_str().is_some_and(|f| !f.is_empty())
        })
        .await;
    }

    async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap();
        element.click().await.unwrap();
    }

    /// Keystrokes to whatever has the focus, one by one, as a visitor types.
    async fn type_slowly(&self, text: &str) {
        for c in text.chars() {
            self.press_char(c).await;
            tokio::time::sleep(KEYSTROKE).await;
        }
    }

    async fn press(&self, key: Key) {
        self.press_char(key.into()).await;
    }

    async fn press_char(&self, c: char) {
        let keys = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
        self.client.perform_actions(keys).await.unwrap();
    }

    /// Escape closes the list, a second Escape empties the box.
    async fn clear_search_box(&self) {
        self.press(Key::Escape).await;
        self.press(Key::Escape).await;
        self.wait_for_page("an empty search box", |page| {
            page.value.is_empty() && page.results.is_empty()
        })
        .await;
    }

    async fn js(&self, script: &str) -> Result<Value, String> {
        self.client
            .execute(script, vec![])
            .await
            .map_err(|e| format!("script failed: {e}"))
    }

    async fn wait_for_page(&self, what: &str, ready: impl Fn(&SearchPage) -> bool) -> SearchPage {
        wait_for(what, || async {
            let page = self.search_page().await?;
            if ready(&page) {
                Ok(page)
            } else {
                Err(format!("{page:?}"))
            }
        })
        .await
    }

    async fn wait_for_widget(&self, what: &str, ready: impl Fn(&Widget) -> bool) -> Widget {
        wait_for(what, || async {
            let widget = self.widget().await?;
            if ready(&widget) {
                Ok(widget)
            } else {
                Err(format!("{widget:?}"))
            }
        })
        .await
    }

    /// `script`'s value once `ready` accepts it.
    async fn wait_for_js(&self, what: &str, script: &str, ready: impl Fn(&Value) -> bool) -> Value {
        wait_for(what, || async {
            let value = self.js(script).await?;
            if ready(&value) {
                Ok(value)
            } else {
                Err(value.to_string())
            }
        })
        .await
    }

    async fn search_page(&self) -> Result<SearchPage, String> {
        serde_json::from_value(self.js(SEARCH_PAGE).await?).map_err(|e| e.to_string())
    }

    async fn widget(&self) -> Result<Widget, String> {
        serde_json::from_value(self.js(WIDGET).await?).map_err(|e| e.to_string())
    }

    /// `target/browser/{name}.png`.
    async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

fn capabilities(profile: &Path) -> serde_json::Map<String, Value> {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
    ]
    .map(String::from)
    .into_iter()
    .chain([format!("--user-data-dir={}", profile.display())]);
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args.collect::<Vec<_>>() },
    });
    caps.as_object().unwrap().clone()
}
