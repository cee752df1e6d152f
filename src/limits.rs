//! The box's limits on every door: how many connections, sockets, messages,
//! candidates and admin requests it takes, and how long it waits for them.
//!
//! Owns [`Limits`] (validated, with the defaults an appliance needs) and its
//! raw form in the configuration file's `[limits]` table. The web server
//! enforces the connection, socket, message and request limits; the device
//! state machine the candidate limits. Each default is chosen so that a real
//! browser never meets it and an attacker meets it long before the box runs
//! out of memory or file descriptors (systemd's `LimitNOFILE=` in
//! `systemd/homecall.service` leaves room for all of them at once).

use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

/// Every limit, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open TCP connections in all.
    pub connections: usize,
    /// Open TCP connections from one source (see [`crate::source::source_key`]);
    /// well below `connections`, so one source never fills the box.
    pub connections_per_source: usize,
    /// Time to send a request's headers; an idle kept-alive connection is
    /// closed after it too.
    pub header_timeout: Duration,
    /// Signalling sockets open from one source.
    pub sockets_per_source: usize,
    /// Signalling sockets that have not said hello yet, in all.
    pub waiting_for_hello: usize,
    /// Largest signalling message, and largest WebSocket frame.
    pub message_bytes: usize,
    /// Messages a signalling socket may send per second, on average; twice
    /// as many may come in one burst (a page trickles its candidates at once).
    pub messages_per_second: u32,
    /// ICE candidates a caller may send for one call, and for one m-line.
    pub candidates_per_call: u32,
    pub candidates_per_mline: u32,
    /// Longest ICE candidate line accepted.
    pub candidate_bytes: usize,
    /// Requests to `/admin` and `/api/admin/…` per source per minute.
    pub admin_requests_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connections: 256,
            connections_per_source: 32,
            header_timeout: Duration::from_secs(10),
            sockets_per_source: 8,
            waiting_for_hello: 16,
            message_bytes: 64 * 1024,
            messages_per_second: 50,
            candidates_per_call: 64,
            candidates_per_mline: 32,
            candidate_bytes: 1024,
            admin_requests_per_minute: 600,
        }
    }
}

impl Limits {
    /// Candidate limits only, for the device state machine.
    pub fn candidates(&self) -> CandidateLimits {
        CandidateLimits {
            per_call: self.candidates_per_call,
            per_mline: self.candidates_per_mline,
            bytes: self.candidate_bytes,
        }
    }
}

/// What a caller may send of ICE candidates (see [`Limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateLimits {
    pub per_call: u32,
    pub per_mline: u32,
    pub bytes: usize,
}

impl Default for CandidateLimits {
    fn default() -> Self {
        Limits::default().candidates()
    }
}

/// The `[limits]` table as written; every key optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawLimits {
    connections: Option<Spanned<u64>>,
    connections_per_source: Option<Spanned<u64>>,
    header_timeout_secs: Option<Spanned<u64>>,
    sockets_per_source: Option<Spanned<u64>>,
    waiting_for_hello: Option<Spanned<u64>>,
    message_bytes: Option<Spanned<u64>>,
    messages_per_second: Option<Spanned<u64>>,
    candidates_per_call: Option<Spanned<u64>>,
    candidates_per_mline: Option<Spanned<u64>>,
    candidate_bytes: Option<Spanned<u64>>,
    admin_requests_per_minute: Option<Spanned<u64>>,
}

impl RawLimits {
    /// The validated limits, or the span and reason of the first bad value.
    pub(crate) fn validate(&self) -> Result<Limits, (Range<usize>, String)> {
        let d = Limits::default();
        let pick = |v: &Option<Spanned<u64>>, name: &str, default: u64, range: Range<u64>| match v {
            None => Ok(default),
            Some(v) if range.contains(v.get_ref()) => Ok(*v.get_ref()),
            Some(v) => Err((
                v.span(),
                format!(
                    "{name} must be between {} and {}",
                    range.start,
                    range.end - 1
                ),
            )),
        };
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let limits = Limits {
            connections: size(pick(
                &self.connections,
                "connections",
                d.connections as u64,
                8..16_385,
            )?),
            connections_per_source: size(pick(
                &self.connections_per_source,
                "connections_per_source",
                d.connections_per_source as u64,
                2..16_385,
            )?),
            header_timeout: Duration::from_secs(pick(
                &self.header_timeout_secs,
                "header_timeout_secs",
                d.header_timeout.as_secs(),
                1..301,
            )?),
            sockets_per_source: size(pick(
                &self.sockets_per_source,
                "sockets_per_source",
                d.sockets_per_source as u64,
                1..1_025,
            )?),
            waiting_for_hello: size(pick(
                &self.waiting_for_hello,
                "waiting_for_hello",
                d.waiting_for_hello as u64,
                1..1_025,
            )?),
            message_bytes: size(pick(
                &self.message_bytes,
                "message_bytes",
                d.message_bytes as u64,
                8_192..1_048_577,
            )?),
            messages_per_second: count(pick(
                &self.messages_per_second,
                "messages_per_second",
                d.messages_per_second.into(),
                5..10_001,
            )?),
            candidates_per_call: count(pick(
                &self.candidates_per_call,
                "candidates_per_call",
                d.candidates_per_call.into(),
                4..1_025,
            )?),
            candidates_per_mline: count(pick(
                &self.candidates_per_mline,
                "candidates_per_mline",
                d.candidates_per_mline.into(),
                2..1_025,
            )?),
            candidate_bytes: size(pick(
                &self.candidate_bytes,
                "candidate_bytes",
                d.candidate_bytes as u64,
                256..8_193,
            )?),
            admin_requests_per_minute: count(pick(
                &self.admin_requests_per_minute,
                "admin_requests_per_minute",
                d.admin_requests_per_minute.into(),
                60..100_001,
            )?),
        };
        if limits.connections_per_source >= limits.connections {
            let span = self
                .connections_per_source
                .as_ref()
                .or(self.connections.as_ref())
                .map_or(0..0, Spanned::span);
            return Err((
                span,
                "connections_per_source must be below connections, so one source cannot fill the box".into(),
            ));
        }
        Ok(limits)
    }
}
