//! report.html in a real browser: Debian's chromium driven by chromedriver (WebDriver over HTTP on
//! loopback; `.ci/setup` installs both). Loads the fixture report, counts the rendered findings against
//! findings.json, applies a severity filter and a text filter, checks that no request left the page
//! (chromedriver's performance log = the page's DevTools network events), and takes a screenshot.

mod common;

use base64::Engine;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver {
    child: Child,
    base: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

impl Driver {
    fn start(profile: &Path) -> Driver {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(Path::new(tool).exists(), "{tool} is missing: run `bash .ci/setup` (it installs Debian's chromium and chromium-driver)");
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        // The flags this machine needs for a headless chromium that makes no background connections.
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1800",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"performance": "ALL"}
        }}});
        let mut driver = Driver { child, base, session: String::new() };
        let answer = driver.post("/session", caps);
        driver.session = answer["sessionId"].as_str().expect("session id").to_string();
        driver
    }

    fn call(&self, request: ureq::Request, body: Option<Value>) -> Value {
        let response = match body {
            Some(b) => request.set("Content-Type", "application/json").send_string(&b.to_string()),
            None => request.call(),
        };
        let text = match response {
            Ok(r) => r.into_string().expect("body"),
            Err(ureq::Error::Status(code, r)) => panic!("WebDriver error {code}: {}", r.into_string().unwrap_or_default()),
            Err(e) => panic!("WebDriver: {e}"),
        };
        let v: Value = serde_json::from_str(&text).expect("WebDriver JSON");
        v.get("value").cloned().unwrap_or(Value::Null)
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let url = if path == "/session" { format!("{}{path}", self.base) } else { format!("{}/session/{}{path}", self.base, self.session) };
        self.call(ureq::post(&url), Some(body))
    }

    fn get(&self, path: &str) -> Value {
        self.call(ureq::get(&format!("{}/session/{}{path}", self.base, self.session)), None)
    }

    fn script(&self, code: &str) -> Value {
        self.post("/execute/sync", json!({"script": code, "args": []}))
    }

    fn element(&self, css: &str) -> String {
        let v = self.post("/element", json!({"using": "css selector", "value": css}));
        v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap_or_else(|| panic!("no element {css}: {v}")).to_string()
    }

    /// Waits until `code` returns true.
    fn wait_for(&self, code: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.script(code) != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn rendered_ids(&self) -> Vec<String> {
        let v = self.script("return Array.from(document.querySelectorAll('#findings-body > tr.finding')).map(r => r.dataset.id)");
        v.as_array().expect("ids").iter().map(|i| i.as_str().unwrap_or("").to_string()).collect()
    }
}

/// The URLs the page requested (DevTools `Network.requestWillBeSent` in chromedriver's performance log)
/// other than `file:` and `data:` ones, from the report's own load on: before it the log holds the
/// browser's new-tab page.
fn requests_beyond_the_file(driver: &Driver) -> Vec<String> {
    let log = driver.post("/se/log", json!({"type": "performance"}));
    let mut urls = Vec::new();
    for entry in log.as_array().expect("performance log") {
        let message: Value = serde_json::from_str(entry["message"].as_str().unwrap_or("{}")).unwrap_or_default();
        if message["message"]["method"] == "Network.requestWillBeSent" {
            urls.push(message["message"]["params"]["request"]["url"].as_str().unwrap_or("").to_string());
        }
    }
    let start = urls.iter().position(|u| u.starts_with("file://") && u.ends_with("report.html")).unwrap_or_else(|| panic!("the log lacks the page's own load: {urls:?}"));
    urls.split_off(start).into_iter().filter(|u| !u.starts_with("file://") && !u.starts_with("data:")).collect()
}

fn fixture_report() -> (tempfile::TempDir, Value) {
    report_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/contoso-ps51"))
}

/// The reports of a run on `input`, in a temporary folder, with findings.json read.
fn report_of(input: &Path) -> (tempfile::TempDir, Value) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_hybrid-audit"))
        .arg("run")
        .arg(input)
        .arg("--out")
        .arg(tmp.path())
        .args(["--as-of", "2026-11-22", "--quiet"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let audit = serde_json::from_str(&std::fs::read_to_string(tmp.path().join("findings.json")).expect("json")).expect("JSON");
    (tmp, audit)
}

#[test]
fn report_renders_filters_and_stays_offline_in_chromium() {
    let (tmp, audit) = fixture_report();
    let findings = audit["findings"].as_array().expect("findings");
    let profile = tempfile::tempdir().expect("profile");
    let driver = Driver::start(profile.path());
    let page = tmp.path().join("report.html");
    driver.post("/url", json!({"url": format!("file://{}", page.display())}));
    driver.wait_for("return document.body.dataset.ready === '1'", "the first render");

    // Every finding rendered (the fixture fits on one page of 200), in findings.json's order.
    let ids = driver.rendered_ids();
    let expected: Vec<String> = findings.iter().map(|f| f["id"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(ids.len(), findings.len(), "rendered rows vs findings.json");
    let mut sorted = ids.clone();
    sorted.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted, want, "the rendered rows are findings.json's findings");
    assert_eq!(driver.script("return document.getElementById('finding-count').textContent"), json!(findings.len().to_string()));

    // Filter by severity through the UI: the rows left are exactly the critical findings.
    let option = driver.element("#filter-severity option[value='critical']");
    driver.post(&format!("/element/{option}/click"), json!({}));
    let critical: Vec<&Value> = findings.iter().filter(|f| f["severity"] == "critical").collect();
    assert!(!critical.is_empty() && critical.len() < findings.len());
    driver.wait_for(&format!("return document.querySelectorAll('#findings-body > tr.finding').length === {}", critical.len()), "the severity filter");
    let mut shown = driver.rendered_ids();
    shown.sort();
    let mut want: Vec<String> = critical.iter().map(|f| f["id"].as_str().unwrap_or("").to_string()).collect();
    want.sort();
    assert_eq!(shown, want);
    assert!(driver.script("return location.hash").as_str().unwrap_or("").contains("severity=critical"), "the filter is in the URL");

    // Back to all severities, then type into the text filter.
    let all = driver.element("#filter-severity option[value='']");
    driver.post(&format!("/element/{all}/click"), json!({}));
    let input = driver.element("#filter-text");
    driver.post(&format!("/element/{input}/value"), json!({"text": "pete.park"}));
    let matching = findings.iter().filter(|f| f.to_string().to_lowercase().contains("pete.park")).count();
    assert!(matching > 0);
    driver.wait_for(&format!("return document.getElementById('finding-count').textContent === '{matching}'"), "the text filter");

    // No request left the page: every network event of the page is the file itself.
    let outside = requests_beyond_the_file(&driver);
    assert!(outside.is_empty(), "the report requested {outside:?}");

    // A screenshot of the filtered page, kept for a human to look at.
    let png = driver.get("/screenshot");
    let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().expect("base64")).expect("PNG bytes");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "a real screenshot ({} bytes)", bytes.len());
    let shot: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-fixture.png");
    std::fs::write(&shot, bytes).expect("write screenshot");
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn identities_a_check_could_not_evaluate_are_listed_and_announced() {
    // One mistyped msExchMailboxGuid: the GUID checks are not evaluated on that identity. The page says
    // so at the top and lists each (check, identity) with the column and row that could not be read.
    let input_dir = tempfile::tempdir().expect("tempdir");
    let input = common::ps51_with_mistyped_guid(input_dir.path());
    let (tmp, audit) = report_of(&input);
    let partly = audit["partly_evaluated"].as_array().expect("partly_evaluated");
    let listed: usize = partly.iter().map(|p| p["listed"].as_array().map_or(0, Vec::len)).sum();
    assert!(!partly.is_empty() && listed > 0, "the changed tenant has identities not evaluated: {partly:?}");
    let profile = tempfile::tempdir().expect("profile");
    let driver = Driver::start(profile.path());
    driver.post("/url", json!({"url": format!("file://{}", tmp.path().join("report.html").display())}));
    driver.wait_for("return document.body.dataset.ready === '1'", "the first render");
    let banner = driver.script("var b = document.getElementById('banner-partly-evaluated'); return b ? b.textContent : null");
    for p in partly {
        let check = p["check"].as_str().expect("check");
        assert!(banner.as_str().is_some_and(|b| b.contains(check)), "the banner names {check}: {banner}");
    }
    assert_eq!(driver.script("return document.getElementById('partly-wrap').hidden"), json!(false));
    assert_eq!(driver.script("return document.querySelectorAll('#partly-body > tr').length"), json!(listed));
    let rows = driver.script("return document.getElementById('partly-body').textContent");
    assert!(rows.as_str().is_some_and(|r| r.contains("theo.thorn@contoso.com") && r.contains("msExchMailboxGuid") && r.contains("ad-users.csv:4")), "{rows}");
    // Theo's own view (he has a finding, PROV003) says which checks were not evaluated on him.
    driver.script("location.hash = 'identity=' + encodeURIComponent('theo.thorn@contoso.com'); return null");
    driver.wait_for("return !!document.getElementById('identity-partly')", "Theo's view");
    let own = driver.script("var b = document.getElementById('identity-partly'); return b ? b.textContent : null");
    assert!(own.as_str().is_some_and(|t| t.contains("GUID002 (msExchMailboxGuid at ad-users.csv:4)")), "{own}");
    // The fixture tenant's page has neither.
    let (tmp, _) = fixture_report();
    driver.post("/url", json!({"url": format!("file://{}", tmp.path().join("report.html").display())}));
    driver.wait_for("return document.body.dataset.ready === '1'", "the first render");
    assert_eq!(driver.script("return [!!document.getElementById('banner-partly-evaluated'), document.getElementById('partly-wrap').hidden]"), json!([false, true]));
}

#[test]
fn a_report_missing_a_chunk_of_findings_says_so_and_shows_none() {
    // The fixture's report in chunks of 5 findings, its last chunk cut off (a file copied half-way):
    // the page must not pass the findings it has for all of them.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/contoso-ps51");
    let data = hybrid_audit::ingest::load(&dir, &Default::default()).expect("fixtures");
    let audit = common::native_audit(&data, &dir).expect("audit");
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = tmp.path().join("report.html");
    hybrid_audit::report::html::write_chunked(&audit, &page, &hybrid_audit::report::Templates::default().html, 5).expect("report.html");
    let html = std::fs::read_to_string(&page).expect("page");
    let chunk = "</script>\n<script class=\"audit-findings\" type=\"application/json\">";
    let last = html.rfind(chunk).expect("chunks");
    let end = last + chunk.len() + html[last + chunk.len()..].find("</script>").expect("end of the last chunk");
    std::fs::write(&page, format!("{}{}", &html[..last], &html[end..])).expect("cut page");
    let profile = tempfile::tempdir().expect("profile");
    let driver = Driver::start(profile.path());
    driver.post("/url", json!({"url": format!("file://{}", page.display())}));
    driver.wait_for("return document.readyState === 'complete'", "the page");
    let meta = driver.script("return document.getElementById('meta').textContent");
    let expected = format!("{} findings expected", audit.findings.len());
    assert!(meta.as_str().is_some_and(|m| m.contains("cannot be read") && m.contains(&expected) && m.contains("incomplete")), "{meta}");
    assert!(driver.rendered_ids().is_empty(), "no finding is shown from an incomplete file");
}

#[test]
fn the_network_check_sees_a_request() {
    // A page that does load something from elsewhere must be caught, or the check above proves nothing.
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = tmp.path().join("report.html");
    std::fs::write(&page, "<!doctype html><body data-ready=\"1\"><img src=\"http://127.0.0.1:9/pixel.png\"></body>").expect("page");
    let profile = tempfile::tempdir().expect("profile");
    let driver = Driver::start(profile.path());
    driver.post("/url", json!({"url": format!("file://{}", page.display())}));
    driver.wait_for("return document.readyState === 'complete'", "the page");
    assert_eq!(requests_beyond_the_file(&driver), ["http://127.0.0.1:9/pixel.png"]);
}

#[test]
fn a_report_of_100k_findings_loads_and_filters_without_freezing() {
    // The fixture's audit (native checks: the same code as the plugins), its findings repeated to 100,000,
    // each a distinct finding of a distinct identity, written by the product's HTML writer.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/contoso-ps51");
    let data = hybrid_audit::ingest::load(&dir, &Default::default()).expect("fixtures");
    let mut audit = common::native_audit(&data, &dir).expect("audit");
    const FINDINGS: usize = 100_000;
    let base = std::mem::take(&mut audit.findings);
    audit.findings = (0..FINDINGS)
        .map(|n| {
            let mut f = base[n % base.len()].clone();
            f.id = format!("{}-{n:06}", f.id);
            f.identity.upn = format!("u{n:06}.{}", f.identity.upn);
            f
        })
        .collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = tmp.path().join("report.html");
    hybrid_audit::report::html::write(&audit, &page, &hybrid_audit::report::Templates::default().html).expect("report.html");
    let size = std::fs::metadata(&page).expect("page").len();

    let profile = tempfile::tempdir().expect("profile");
    let driver = Driver::start(profile.path());
    driver.post("/url", json!({"url": format!("file://{}", page.display())}));
    driver.wait_for("return document.body.dataset.ready === '1'", "the first render");
    // From the navigation's start to the first render, as the page's own clock tells it.
    let ready_ms = driver.script("return performance.now()").as_f64().expect("ms");
    assert_eq!(driver.rendered_ids().len(), 200, "one page of 200 rows");
    assert_eq!(driver.script("return document.getElementById('finding-count').textContent"), json!(FINDINGS.to_string()));

    // A ticker on the page's main thread: the longest gap between its ticks is the longest freeze.
    driver.script("window.__gaps = []; window.__last = performance.now(); window.__tick = setInterval(function () { var t = performance.now(); window.__gaps.push(t - window.__last); window.__last = t; }, 20); return true");
    let started = Instant::now();
    let input = driver.element("#filter-text");
    let needle = "u077777.";
    driver.post(&format!("/element/{input}/value"), json!({"text": needle}));
    let matching = audit.findings.iter().filter(|f| f.identity.upn.contains(needle)).count();
    assert_eq!(matching, 1);
    driver.wait_for(&format!("return document.getElementById('finding-count').textContent === '{matching}'"), "the text filter");
    let filter_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Then a severity filter over all 100k, through the UI.
    driver.script("var i = document.getElementById('filter-text'); i.value = ''; i.dispatchEvent(new Event('input')); return true");
    let critical = audit.findings.iter().filter(|f| f.severity.as_str() == "critical").count();
    let option = driver.element("#filter-severity option[value='critical']");
    driver.post(&format!("/element/{option}/click"), json!({}));
    driver.wait_for(&format!("return document.getElementById('finding-count').textContent === '{critical}'"), "the severity filter");
    let longest = driver.script("clearInterval(window.__tick); return Math.max.apply(null, window.__gaps.concat([performance.now() - window.__last]))").as_f64().expect("gap");
    eprintln!("100k findings: report.html {:.0} MB, first render {ready_ms:.0} ms, text filter shown {filter_ms:.0} ms, longest main-thread freeze while filtering {longest:.0} ms", size as f64 / 1e6);
    // Bounds far above this machine's figures (README), so only a real regression fails.
    assert!(ready_ms < 30_000.0, "first render took {ready_ms:.0} ms");
    assert!(longest < 3_000.0, "the page froze for {longest:.0} ms while filtering");
}
