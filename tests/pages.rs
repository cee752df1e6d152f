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
