//! The real binary's pages: the call page behind a link, a human sentence
//! otherwise, in the caller's language, with headers that keep the link secret.

mod support;

use support::{run_with_stdio, TestBox};

#[test]
fn a_valid_link_serves_the_call_page() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let path = &url[url.find("/r/").expect("link path")..];
    let (code, body) = b.get(path).expect("answers");
    assert_eq!(code, 200);
    // One response: the scripts and styles are in the page, none fetched.
    assert!(body.contains("<script type=\"module\">"), "{body}");
    assert!(body.contains("// web/call.js\n"), "{body}");
    assert!(body.contains("<style>"), "{body}");
    assert!(!body.contains("/assets/call"), "{body}");
    // The files are still served, for tools and the tests.
    for asset in ["call.js", "protocol.js", "i18n.js", "call.css"] {
        let (code, body) = b.get(&format!("/assets/{asset}")).expect("answers");
        assert_eq!(code, 200, "{asset}");
        assert!(!body.is_empty(), "{asset}");
    }
}

#[test]
fn the_admin_page_and_its_files_are_served() {
    let b = TestBox::start("");
    let (code, body) = b.get("/admin").expect("answers");
    assert_eq!(code, 200);
    for asset in [
        "admin.js",
        "admin-i18n.js",
        "admin-api.js",
        "admin-forms.js",
        "admin-links.js",
        "admin-answering.js",
        "admin-devices.js",
        "admin-status.js",
        "admin.css",
    ] {
        assert!(
            body.contains(asset) || asset == "admin-i18n.js",
            "{asset} not referenced"
        );
        let (code, body) = b.get(&format!("/assets/{asset}")).expect("answers");
        assert_eq!(code, 200, "{asset}");
        assert!(!body.is_empty(), "{asset}");
    }
}

#[test]
fn an_unknown_link_says_so_in_the_callers_language() {
    let b = TestBox::start("");
    let (code, body) = b
        .get_with(
            "/r/notavalidtoken",
            &[("Accept-Language", "en-GB,en;q=0.9")],
        )
        .expect("answers");
    assert_eq!(code, 404);
    assert!(body.contains("This link is not valid"), "{body}");
    assert!(body.contains("lang=\"en\""), "{body}");
    let (code, body) = b
        .get_with(
            "/r/notavalidtoken",
            &[("Accept-Language", "ru-RU,ru;q=0.9")],
        )
        .expect("answers");
    assert_eq!(code, 404);
    assert!(body.contains("Эта ссылка недействительна"), "{body}");
}

#[test]
fn responses_never_leak_the_link() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let token = url.rsplit('/').next().expect("token");
    for path in ["/r/x".to_owned(), format!("/r/{token}")] {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", b.port)).expect("connect");
        use std::io::{Read, Write};
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let lower = response.to_ascii_lowercase();
        assert!(
            lower.contains("referrer-policy: no-referrer"),
            "{path}: {response}"
        );
        assert!(
            lower.contains("content-security-policy:"),
            "{path}: {response}"
        );
        assert!(
            lower.contains("cache-control: no-store"),
            "{path}: {response}"
        );
        assert!(
            !response.contains(token),
            "{path}: the page must not echo the token"
        );
    }
}

/// Safari before 15.4 does not match `ws:` against `'self'`: the policy
/// must name the socket's own origin, from the Host the page was asked on.
#[test]
fn the_policy_lets_old_safari_open_the_pages_socket() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let path = &url[url.find("/r/").expect("link path")..];
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", b.port)).expect("connect");
    use std::io::{Read, Write};
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: box.example:{port}\r\nConnection: close\r\n\r\n",
        port = b.port
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let policy = response
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("content-security-policy:")
                .then(|| l.to_owned())
        })
        .unwrap_or_else(|| panic!("no policy in {response}"));
    let connect = policy
        .split(';')
        .find(|d| d.contains("connect-src"))
        .unwrap_or_else(|| panic!("no connect-src in {policy}"));
    assert!(
        connect.contains(&format!("ws://box.example:{}", b.port)),
        "{connect}"
    );

    // The page's inline scripts (web::bundle) are what the policy allows.
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let body = &response[response.find("\r\n\r\n").expect("a body")..];
    let mut hashes = Vec::new();
    for part in body.split("<script").skip(1) {
        let text = &part
            [part.find('>').expect("tag ends") + 1..part.find("</script>").expect("script ends")];
        let digest = Sha256::digest(text.as_bytes());
        hashes.push(format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
    }
    assert_eq!(hashes.len(), 2, "the early socket and the modules: {body}");
    assert!(
        policy.contains(&format!("script-src 'self' {};", hashes.join(" "))),
        "{policy}"
    );
}

#[test]
fn a_bad_config_stops_start_up_with_file_line_and_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        "[web]\nlisten = \"127.0.0.1:8080\"\n\n[calls]\nmax_participants = 7\n",
    )
    .expect("write");
    let out = run_with_stdio(&["run", "--config", config.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}, line 5: max_participants", config.display())),
        "{stderr}"
    );
}

/// Each link installs as an app of its own: its manifest names the link's
/// label, starts on the link, and its icons are served.
#[test]
fn a_link_has_its_own_web_app_manifest() {
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let path = &url[url.find("/r/").expect("link path")..];
    let (code, page) = b.get(path).expect("answers");
    assert_eq!(code, 200);
    assert!(
        page.contains(r#"<link rel="manifest" href="?manifest">"#),
        "{page}"
    );

    let (code, body) = b
        .get_with(
            &format!("{path}?manifest"),
            &[("Accept-Language", "en-GB,en;q=0.9")],
        )
        .expect("answers");
    assert_eq!(code, 200, "{body}");
    let manifest: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(manifest["name"], "Call home (Anna)", "{manifest}");
    assert_eq!(manifest["start_url"], path, "{manifest}");
    assert_eq!(manifest["id"], path, "{manifest}");
    assert_eq!(manifest["display"], "standalone", "{manifest}");
    let (_, ru) = b
        .get_with(
            &format!("{path}?manifest"),
            &[("Accept-Language", "ru-RU,ru;q=0.9")],
        )
        .expect("answers");
    let ru: serde_json::Value = serde_json::from_str(&ru).expect("JSON");
    assert_eq!(ru["name"], "Звонок домой (Anna)", "{ru}");

    let icons = manifest["icons"].as_array().expect("icons");
    let mut sizes = Vec::new();
    for icon in icons {
        let src = icon["src"].as_str().expect("src");
        let (code, bytes, content_type) = get_bytes(b.port, src);
        assert_eq!(code, 200, "{src}");
        assert_eq!(Some(content_type.as_str()), icon["type"].as_str(), "{src}");
        if content_type == "image/png" {
            let (w, h) = png_size(&bytes).unwrap_or_else(|| panic!("{src} is not a PNG"));
            assert_eq!(icon["sizes"], format!("{w}x{h}"), "{src}");
            sizes.push(w);
        }
    }
    assert!(sizes.contains(&192) && sizes.contains(&512), "{sizes:?}");
    for src in ["/assets/apple-touch-icon.png", "/favicon.ico"] {
        let (code, bytes, _) = get_bytes(b.port, src);
        assert_eq!(code, 200, "{src}");
        assert!(png_size(&bytes).is_some(), "{src} is not a PNG");
    }
}

#[test]
fn a_link_that_opens_no_call_has_no_manifest() {
    let b = TestBox::start("");
    for path in [
        "/r/notavalidtoken?manifest".to_owned(),
        format!("/r/{}?manifest", "A".repeat(43)),
    ] {
        let (code, body) = b.get(&path).expect("answers");
        assert_eq!(code, 404, "{path}");
        assert!(!body.contains("start_url"), "{path}: {body}");
    }
}

/// GET `path` from the box on `port`: status, body bytes, Content-Type.
fn get_bytes(port: u16, path: &str) -> (u16, Vec<u8>, String) {
    let (head, body) = get_raw(port, path, "");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status");
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (code, body, content_type)
}

/// GET `path` from the box on `port` with `extra` header lines (each ending
/// in CRLF): the response's head as text, and its body's bytes.
fn get_raw(port: u16, path: &str, extra: &str) -> (String, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n"
    )
    .expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    (head, response[split + 4..].to_vec())
}

/// A PNG's width and height, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((be(16), be(20)))
}

/// The page files revalidate: an ETag that is the content's own hash,
/// `no-cache`, and `304` (no body) for a browser that has the same file.
#[tokio::test]
async fn page_files_carry_their_hash_as_etag_and_answer_304() {
    use sha2::{Digest, Sha256};
    use support::http::Request;

    let b = TestBox::start("");
    let mut tags = Vec::new();
    for (path, file) in [
        ("/assets/call.js", "web/call.js"),
        ("/assets/protocol.js", "web/protocol.js"),
        ("/assets/admin.css", "web/admin.css"),
        ("/admin", "web/admin.html"),
    ] {
        let first = Request::new("GET", path).send(b.port).await;
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(first.headers["cache-control"], "no-cache", "{path}");
        let etag = first.headers.get("etag").expect("an ETag").clone();
        let content = std::fs::read(file).expect("the file in the repository");
        let hash: String = Sha256::digest(&content)[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(etag, format!("\"{hash}\""), "{path}: the content's hash");

        for asked in [etag.clone(), format!("W/{etag}"), format!("\"x\", {etag}")] {
            let again = Request::new("GET", path)
                .header("If-None-Match", asked.clone())
                .send(b.port)
                .await;
            assert_eq!(again.status, 304, "{path} with If-None-Match: {asked}");
            assert!(again.body.is_empty(), "{path}: 304 has no body");
            assert_eq!(again.headers["etag"], etag, "{path}");
            assert_eq!(again.headers["cache-control"], "no-cache", "{path}");
        }
        let changed = Request::new("GET", path)
            .header("If-None-Match", "\"an older version\"")
            .send(b.port)
            .await;
        assert_eq!(changed.status, 200, "{path} with another tag");
        assert_eq!(changed.body.as_bytes(), content, "{path}");
        tags.push(etag);
    }
    tags.sort();
    tags.dedup();
    assert_eq!(tags.len(), 4, "every file has its own tag");
}

/// A browser that takes gzip gets the call page gzipped: the same page, a
/// fraction of the bytes up the home uplink; one that does not gets it as
/// it is. Both say the body depends on `Accept-Encoding`.
#[test]
fn the_call_page_goes_gzipped_to_a_browser_that_takes_it() {
    use std::io::Read;
    let b = TestBox::start("");
    let url = b.create_link("Anna");
    let path = &url[url.find("/r/").expect("link path")..];
    let fetch = |extra: &str| {
        let (head, body) = get_raw(b.port, path, extra);
        (head.to_ascii_lowercase(), body)
    };
    let (plain_head, plain) = fetch("");
    let (gz_head, gz) = fetch("Accept-Encoding: gzip, deflate, br\r\n");
    assert!(plain_head.starts_with("http/1.1 200"), "{plain_head}");
    assert!(!plain_head.contains("content-encoding"), "{plain_head}");
    assert!(gz_head.contains("content-encoding: gzip"), "{gz_head}");
    for head in [&plain_head, &gz_head] {
        assert!(head.contains("vary: accept-encoding"), "{head}");
        assert!(head.contains("cache-control: no-store"), "{head}");
        assert!(head.contains("content-type: text/html"), "{head}");
    }
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut unzipped)
        .expect("a gzip body");
    assert_eq!(unzipped, plain, "the same page");
    assert!(
        gz.len() * 3 < plain.len(),
        "{} bytes gzipped of {}",
        gz.len(),
        plain.len()
    );
}
