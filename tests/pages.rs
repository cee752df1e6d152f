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
    assert!(body.contains("/assets/call.js"), "{body}");
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
