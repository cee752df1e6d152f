//! The call page, compressed once and sent compressed to a browser that
//! takes gzip.
//!
//! The page arrives as one response with its script and stylesheet written
//! in (`web::bundle`), about 110 KB. The box sends it up the family's home
//! uplink, often a few Mbit/s, so a relative on the other side of the
//! internet waits for every byte before the page can start: ~180 ms at
//! 5 Mbit/s as it is, ~40 ms gzipped. Every browser a relative may use takes
//! gzip; the body is compressed once per process, on first use, at the best
//! level (it costs nothing per request).

use axum::http::header::{self, HeaderMap, HeaderValue};
use std::io::Write;

/// Whether the request's `Accept-Encoding` takes gzip with a non-zero
/// quality: named itself, or, when it is not named, through `*`.
pub fn accepted(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
    {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let taken = !parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if coding.eq_ignore_ascii_case("gzip") {
            gzip = Some(taken);
        } else if coding == "*" {
            any = Some(taken);
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// `bytes` gzipped at the best level.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// `Vary: Accept-Encoding`: the same URL answers with either body.
pub const VARY: (header::HeaderName, HeaderValue) =
    (header::VARY, HeaderValue::from_static("accept-encoding"));

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn headers(accept: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for value in accept {
            h.append(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).expect("header"),
            );
        }
        h
    }

    #[test]
    fn what_browsers_send_takes_gzip() {
        for accept in [
            "gzip, deflate, br, zstd",
            "gzip, deflate, br",
            "br;q=1.0, gzip;q=0.8, *;q=0.1",
            "GZIP",
            "*",
        ] {
            assert!(accepted(&headers(&[accept])), "{accept}");
        }
        assert!(accepted(&headers(&["br", "gzip"])), "two header lines");
    }

    #[test]
    fn no_header_identity_or_a_refused_gzip_gets_the_page_as_it_is() {
        for accept in [
            "",
            "identity",
            "br",
            "gzip;q=0",
            "gzip; q=0.0, br",
            "gzipx",
            "gzip;q=0, *",
        ] {
            assert!(!accepted(&headers(&[accept])), "{accept:?}");
        }
        assert!(!accepted(&HeaderMap::new()));
    }

    #[test]
    fn the_compressed_page_reads_back_as_the_page() {
        let page = super::super::assets::call_html();
        let gz = compress(page.as_bytes());
        assert!(gz.len() * 3 < page.len(), "{} of {}", gz.len(), page.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_string(&mut back)
            .expect("gunzip");
        assert_eq!(back, page);
    }
}
