//! The browser lab in a real browser: `kubedrill lab serve` and Chromium driven over WebDriver
//! (chromedriver). A drain typed into the page's terminal cordons the node and moves the pod
//! chips, `why` gives the budget's numbers, `check` grades, and the timeline rewinds to the
//! start. Screenshots are saved under `target/tmp/lab_web/`; the page load and command timings
//! are printed (the README's figures).
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test prints SKIPPED. The
//! server, chromedriver and the browser it starts listen on 127.0.0.1 only and are stopped
//! when the test ends, however it ends.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const ENTER: &str = "\u{e007}";

/// A process (and its process group: chromedriver's browsers) killed when the test ends.
struct Guard {
    child: Child,
    name: &'static str,
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Each child leads its own process group, so this also stops what it started.
        let pgid = self.child.id() as i32;
        // SAFETY: kill(2) on a process group this test created; no memory is involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        eprintln!("lab_web: stopped {}", self.name);
    }
}

fn spawn(name: &'static str, cmd: &mut Command) -> Guard {
    let child = cmd
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {name}: {e}"));
    Guard { child, name }
}

/// The first program of `names` found on PATH.
fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// A port on 127.0.0.1 that was free a moment ago (chromedriver takes a port number).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on 127.0.0.1:{port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `kubedrill lab serve --port 0`: returns the guard and the base URL it printed. The binary
/// is this build's, or `KUBEDRILL_LAB_WEB_BIN` (a release build, for the README's timings).
fn start_server() -> (Guard, String) {
    let bin = std::env::var_os("KUBEDRILL_LAB_WEB_BIN").map_or_else(|| PathBuf::from(BIN), PathBuf::from);
    let mut guard = spawn(
        "kubedrill lab serve",
        Command::new(bin)
            .args(["lab", "serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    );
    let stdout = guard.child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints its address");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (guard, url)
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lab_web");
    std::fs::create_dir_all(&dir).expect("the artifacts directory");
    dir
}

async fn screenshot(c: &Client, name: &str) {
    // Let the chips finish sliding.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let png = c.screenshot().await.expect("a screenshot");
    let path = artifacts().join(name);
    std::fs::write(&path, png).expect("writing the screenshot");
    println!("lab_web: screenshot {}", path.display());
}

/// Waits until `css` matches an element.
async fn wait_css(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Types a line into the page's terminal and waits until its answer is drawn.
async fn type_line(c: &Client, line: &str) {
    let before = js(c, "return window.kdTimings.commands.length").await;
    let input = c.find(Locator::Id("cmd")).await.expect("the terminal's input");
    input.send_keys(&format!("{line}{ENTER}")).await.expect("typing");
    let want = before.as_u64().unwrap_or(0) + 1;
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("body[data-busy='0']"))
        .await
        .expect("the command finishes");
    let deadline = Instant::now() + Duration::from_secs(30);
    while js(c, "return window.kdTimings.commands.length")
        .await
        .as_u64()
        .unwrap_or(0)
        < want
    {
        assert!(Instant::now() < deadline, "{line}: no answer drawn");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn terminal_text(c: &Client) -> String {
    c.find(Locator::Id("out"))
        .await
        .expect("output")
        .text()
        .await
        .expect("text")
}

/// The pod ids drawn on a node, in page order.
async fn chips_on(c: &Client, node: &str) -> Vec<String> {
    let v = js(
        c,
        &format!(
            "return [...document.querySelectorAll('[data-node=\"{node}\"] .chip[data-pod]')].map(e => e.dataset.pod)"
        ),
    )
    .await;
    serde_json::from_value(v).expect("a list of pod ids")
}

async fn node_status(c: &Client, node: &str) -> String {
    let el = c
        .find(Locator::Css(&format!("[data-node=\"{node}\"] .status")))
        .await
        .expect("the node's status");
    el.text().await.expect("status text")
}

#[test]
fn a_drain_in_the_browser_moves_the_pods_is_explained_graded_and_rewound() {
    let (Some(chromedriver), Some(chromium)) = (
        which(&["chromedriver"]),
        which(&["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        println!(
            "SKIPPED: the browser test needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let (_server, url) = start_server();
    let port = free_port();
    let _driver = spawn(
        "chromedriver",
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_for_port(port, "chromedriver");
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1600,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let Value::Object(caps) = caps else { unreachable!() };
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session");
        drive(&c, &url).await;
        c.close().await.expect("closing the browser");
    });
}

async fn drive(c: &Client, url: &str) {
    // The catalogue.
    c.goto(&format!("{url}/")).await.expect("the catalogue loads");
    wait_css(c, "body[data-ready='1'] a.card[data-lab='drain-pdb-blocked']").await;
    let cards = c.find_all(Locator::Css("a.card")).await.expect("cards").len();
    assert_eq!(cards, kubedrill_labs::catalogue().unwrap().len(), "every lab is listed");
    screenshot(c, "catalogue.png").await;

    // The lab page, from the catalogue's link.
    c.find(Locator::Css("a.card[data-lab='drain-pdb-blocked']"))
        .await
        .expect("the lab's card")
        .click()
        .await
        .expect("following it");
    wait_css(c, "body[data-ready='1'] [data-node='node01']").await;
    let load = js(
        c,
        "const n = performance.getEntriesByType('navigation')[0]; return {load: n.loadEventEnd, ready: window.kdTimings.readyMs}",
    )
    .await;
    println!(
        "lab_web: lab page load event {:.1} ms, page drawn with its session {:.1} ms after navigation start",
        load["load"].as_f64().unwrap_or(-1.0),
        load["ready"].as_f64().unwrap_or(-1.0)
    );
    assert_eq!(node_status(c, "node01").await, "Ready");
    let before = chips_on(c, "node01").await;
    let web_before: Vec<&String> = before.iter().filter(|p| p.starts_with("default/web-")).collect();
    assert_eq!(web_before.len(), 1, "one web pod on node01: {before:?}");
    assert!(before.contains(&"default/db-0".to_string()), "{before:?}");

    // Tab completion from the engine.
    let input = c.find(Locator::Id("cmd")).await.expect("input");
    input.send_keys("kubectl dra\u{e004}").await.expect("tab");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let completed = js(c, "return document.getElementById('cmd').value").await;
    assert_eq!(completed, "kubectl drain ", "Tab completes from the session");
    js(c, "document.getElementById('cmd').value = ''").await;

    // The drain: node01 turns SchedulingDisabled, the web pod's chip moves to node02 (its
    // ReplicaSet's replacement), db-0 stays because the budget allows no disruption.
    type_line(c, "kubectl drain node01 --ignore-daemonsets --timeout=30s").await;
    assert_eq!(node_status(c, "node01").await, "Ready,SchedulingDisabled");
    wait_css(c, "[data-node='node01'].cordoned").await;
    let after = chips_on(c, "node01").await;
    assert!(
        !after.iter().any(|p| p.starts_with("default/web-")),
        "web left node01: {after:?}"
    );
    assert!(
        after.contains(&"default/db-0".to_string()),
        "the budget kept db-0: {after:?}"
    );
    let node02 = chips_on(c, "node02").await;
    assert_eq!(
        node02.iter().filter(|p| p.starts_with("default/web-")).count(),
        2,
        "the replacement runs on node02: {node02:?}"
    );
    let moved = js(
        c,
        "return document.querySelectorAll('[data-node=\"node02\"] .chip.moved').length",
    )
    .await;
    assert_eq!(moved, 1, "the replacement's chip slid over from node01");
    let allowed = c
        .find(Locator::Css("[data-pdb='default/db'] .allowed"))
        .await
        .expect("the budget")
        .text()
        .await
        .expect("text");
    assert_eq!(allowed, "0 disruptions allowed");

    // why, from its button.
    c.find(Locator::Css("button[data-line='why']"))
        .await
        .expect("why")
        .click()
        .await
        .expect("click");
    wait_css(c, "body[data-busy='0']").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = terminal_text(c).await;
    assert!(
        out.contains("by PodDisruptionBudget default/db: currentHealthy 2, desiredHealthy 2 (of 2 expected pods), so 0 disruptions allowed."),
        "{out}"
    );
    screenshot(c, "drain-blocked-why.png").await;

    // The way out the task allows, then check.
    type_line(c, "kubectl delete pod db-0").await;
    type_line(c, "kubectl drain node01 --ignore-daemonsets").await;
    let db0 = chips_on(c, "node02").await;
    assert!(
        db0.contains(&"default/db-0".to_string()),
        "the StatefulSet's db-0 is on node02: {db0:?}"
    );
    c.find(Locator::Css("button[data-line='check']"))
        .await
        .expect("check")
        .click()
        .await
        .expect("click");
    wait_css(c, "body[data-busy='0']").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = terminal_text(c).await;
    assert!(out.contains("objectives met, score"), "{out}");
    screenshot(c, "checked.png").await;
    let steps = js(c, "return document.body.dataset.steps").await;
    assert_eq!(steps, "3");

    // Scrub the timeline back to the start: a preview of the cluster then.
    js(
        c,
        "const s = document.getElementById('scrub'); s.value = '0'; s.dispatchEvent(new Event('input'));",
    )
    .await;
    wait_css(c, "body.previewing[data-at-step='0']").await;
    assert_eq!(node_status(c, "node01").await, "Ready", "the preview shows the start");
    screenshot(c, "preview-start.png").await;
    // And make it the present.
    c.find(Locator::Id("rewind-here"))
        .await
        .expect("rewind button")
        .click()
        .await
        .expect("click");
    wait_css(c, "body[data-busy='0'][data-steps='0']").await;
    assert!(
        !js(c, "return document.body.classList.contains('previewing')")
            .await
            .as_bool()
            .unwrap_or(true),
        "the rewound cluster is the present"
    );
    assert_eq!(node_status(c, "node01").await, "Ready");
    assert_eq!(
        chips_on(c, "node01").await,
        before,
        "the pods are back where they started"
    );
    assert!(
        terminal_text(c)
            .await
            .contains("Back to just before step 1: 3 steps taken back.")
    );

    // Speed: a few more commands, each timed from Enter to the redrawn picture.
    for _ in 0..5 {
        type_line(c, "kubectl get nodes").await;
        type_line(c, "kubectl cordon node02").await;
        type_line(c, "undo").await;
    }
    let timings = js(c, "return window.kdTimings.commands.map(c => c.ms)").await;
    let mut ms: Vec<f64> = serde_json::from_value(timings).expect("timings");
    ms.sort_by(f64::total_cmp);
    println!(
        "lab_web: {} commands, Enter to redrawn picture: median {:.1} ms, max {:.1} ms",
        ms.len(),
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
    // A fresh load of the lab page, timed by the browser.
    c.goto(&format!("{url}/lab/drain-pdb-blocked?seed=5"))
        .await
        .expect("reload");
    wait_css(c, "body[data-ready='1'] [data-node='node01']").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let load = js(
        c,
        "const n = performance.getEntriesByType('navigation')[0]; return {load: n.loadEventEnd, ready: window.kdTimings.readyMs}",
    )
    .await;
    println!(
        "lab_web: reloaded lab page: load event {:.1} ms, drawn {:.1} ms",
        load["load"].as_f64().unwrap_or(-1.0),
        load["ready"].as_f64().unwrap_or(-1.0)
    );
}
