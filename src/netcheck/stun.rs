//! STUN and TURN messages (RFC 5389, RFC 5766), as bytes.
//!
//! Owns the encoding of the requests the network check sends (Binding,
//! Allocate, Refresh) and the decoding of what servers answer: the header,
//! the attributes it reads (addresses, error codes, realm, nonce, lifetime),
//! MESSAGE-INTEGRITY (HMAC-SHA1, short- or long-term key) and FINGERPRINT
//! (CRC-32). Pure: no sockets, no clock, no randomness — the probes bring
//! the transaction ids. Pinned by the test vectors of RFC 5769.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};

/// The fixed value in every RFC 5389 header.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
const HEADER_LEN: usize = 20;
/// XOR'd into the port of an XOR'd address: the cookie's high half.
const COOKIE_HIGH: u16 = 0x2112;
/// XOR'd into the CRC-32 of a FINGERPRINT attribute.
const FINGERPRINT_XOR: u32 = 0x5354_554E;
/// MESSAGE-INTEGRITY's value: an HMAC-SHA1.
const INTEGRITY_LEN: usize = 20;

/// A transaction id: 96 random bits chosen by the client.
pub type TransactionId = [u8; 12];

/// Attribute types (RFC 5389 section 18.2, RFC 5766 section 14).
pub mod attr {
    pub const MAPPED_ADDRESS: u16 = 0x0001;
    pub const USERNAME: u16 = 0x0006;
    pub const MESSAGE_INTEGRITY: u16 = 0x0008;
    pub const ERROR_CODE: u16 = 0x0009;
    pub const LIFETIME: u16 = 0x000D;
    pub const REALM: u16 = 0x0014;
    pub const NONCE: u16 = 0x0015;
    pub const XOR_RELAYED_ADDRESS: u16 = 0x0016;
    pub const REQUESTED_TRANSPORT: u16 = 0x0019;
    pub const XOR_MAPPED_ADDRESS: u16 = 0x0020;
    pub const SOFTWARE: u16 = 0x8022;
    pub const FINGERPRINT: u16 = 0x8028;
}

/// The IANA protocol number REQUESTED-TRANSPORT carries for a UDP relay.
pub const TRANSPORT_UDP: u8 = 17;

/// The methods the check uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Binding,
    Allocate,
    Refresh,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Binding => 0x001,
            Method::Allocate => 0x003,
            Method::Refresh => 0x004,
        }
    }

    fn from_code(code: u16) -> Option<Self> {
        match code {
            0x001 => Some(Method::Binding),
            0x003 => Some(Method::Allocate),
            0x004 => Some(Method::Refresh),
            _ => None,
        }
    }
}

/// A message's class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Request,
    Indication,
    Success,
    Error,
}

impl Class {
    fn bits(self) -> u16 {
        match self {
            Class::Request => 0b00,
            Class::Indication => 0b01,
            Class::Success => 0b10,
            Class::Error => 0b11,
        }
    }
}

/// The 14-bit message type: the method's bits with the class's two bits
/// (C0 at bit 4, C1 at bit 8) in between (RFC 5389 section 6).
fn message_type(method: Method, class: Class) -> u16 {
    let m = method.code();
    let c = class.bits();
    (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7)
}

fn split_type(t: u16) -> (u16, Class) {
    let method = (t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80);
    let class = match ((t >> 4) & 1) | ((t >> 7) & 2) {
        0b00 => Class::Request,
        0b01 => Class::Indication,
        0b10 => Class::Success,
        _ => Class::Error,
    };
    (method, class)
}

/// The long-term credential key: MD5(username ":" realm ":" password)
/// (RFC 5389 section 15.4; the password is used as given, without SASLprep,
/// which changes nothing in TURN REST passwords: they are base64).
pub fn long_term_key(username: &str, realm: &str, password: &str) -> [u8; 16] {
    Md5::digest(format!("{username}:{realm}:{password}").as_bytes()).into()
}

/// A message to send: a request with its attributes.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    transaction: TransactionId,
    attributes: Vec<(u16, Vec<u8>)>,
}

impl Request {
    pub fn new(method: Method, transaction: TransactionId) -> Self {
        Self {
            method,
            transaction,
            attributes: Vec::new(),
        }
    }

    /// Adds an attribute (its value as it goes on the wire, unpadded).
    pub fn with(mut self, kind: u16, value: impl Into<Vec<u8>>) -> Self {
        self.attributes.push((kind, value.into()));
        self
    }

    /// The bytes to send: the attributes (zero-padded to 4 bytes), then
    /// MESSAGE-INTEGRITY when a `key` is given, then FINGERPRINT when asked.
    pub fn encode(&self, key: Option<&[u8]>, fingerprint: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&message_type(self.method, Class::Request).to_be_bytes());
        out.extend_from_slice(&[0, 0]); // length, set as attributes are added
        out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out.extend_from_slice(&self.transaction);
        for (kind, value) in &self.attributes {
            push_attribute(&mut out, *kind, value);
        }
        if let Some(key) = key {
            // The HMAC covers the header with a length that already counts
            // the MESSAGE-INTEGRITY attribute, and everything before it.
            let len = out.len() - HEADER_LEN + 4 + INTEGRITY_LEN;
            set_length(&mut out, len);
            let mac = hmac_sha1(key, &out);
            push_attribute(&mut out, attr::MESSAGE_INTEGRITY, &mac);
        }
        if fingerprint {
            let len = out.len() - HEADER_LEN + 8;
            set_length(&mut out, len);
            let crc = crc32(&out) ^ FINGERPRINT_XOR;
            push_attribute(&mut out, attr::FINGERPRINT, &crc.to_be_bytes());
        }
        let len = out.len() - HEADER_LEN;
        set_length(&mut out, len);
        out
    }
}

fn push_attribute(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    // Values the check sends are short; a longer one would be a bug here.
    let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + padding(value.len()), 0);
}

fn set_length(message: &mut [u8], len: usize) {
    let len = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
    message[2..4].copy_from_slice(&len);
}

fn padding(len: usize) -> usize {
    (4 - len % 4) % 4
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; INTEGRITY_LEN] {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// CRC-32 (ISO-HDLC, as in zip and Ethernet), bit by bit: messages are small.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Why bytes are not a STUN message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("{0} bytes are too short for a STUN message")]
    TooShort(usize),
    #[error("not a STUN message (no magic cookie)")]
    NotStun,
    #[error("the STUN header says {said} bytes of attributes, {got} arrived")]
    Length { said: usize, got: usize },
    #[error("a STUN attribute runs past the end of the message")]
    AttributeOverrun,
}

/// An ERROR-CODE: the number (300–699) and the server's reason phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: u16,
    pub reason: String,
}

#[derive(Debug, Clone, Copy)]
struct Attribute {
    kind: u16,
    /// Where the value starts in the message.
    start: usize,
    len: usize,
}

/// A message received.
#[derive(Debug, Clone)]
pub struct Message {
    /// The method's 12-bit code (see [`Message::method`]).
    method_code: u16,
    pub class: Class,
    pub transaction: TransactionId,
    bytes: Vec<u8>,
    attributes: Vec<Attribute>,
}

/// Reads a message (one UDP datagram).
pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::TooShort(bytes.len()));
    }
    let word = |at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
    let kind = word(0);
    let cookie = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if kind & 0xC000 != 0 || cookie != MAGIC_COOKIE {
        return Err(DecodeError::NotStun);
    }
    let said = usize::from(word(2));
    let got = bytes.len() - HEADER_LEN;
    if said != got || said % 4 != 0 {
        return Err(DecodeError::Length { said, got });
    }
    let mut attributes = Vec::new();
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        if at + 4 > bytes.len() {
            return Err(DecodeError::AttributeOverrun);
        }
        let len = usize::from(word(at + 2));
        let start = at + 4;
        if start + len > bytes.len() {
            return Err(DecodeError::AttributeOverrun);
        }
        attributes.push(Attribute {
            kind: word(at),
            start,
            len,
        });
        at = start + len + padding(len);
    }
    let (method_code, class) = split_type(kind);
    let mut transaction = [0u8; 12];
    transaction.copy_from_slice(&bytes[8..HEADER_LEN]);
    Ok(Message {
        method_code,
        class,
        transaction,
        bytes: bytes.to_vec(),
        attributes,
    })
}

impl Message {
    /// The method, when it is one the check knows.
    pub fn method(&self) -> Option<Method> {
        Method::from_code(self.method_code)
    }

    /// The first attribute of this type, before MESSAGE-INTEGRITY (what
    /// follows it, FINGERPRINT aside, is not covered and must be ignored).
    pub fn attribute(&self, kind: u16) -> Option<&[u8]> {
        self.attributes
            .iter()
            .take_while(|a| !matches!(a.kind, attr::MESSAGE_INTEGRITY | attr::FINGERPRINT))
            .find(|a| a.kind == kind)
            .map(|a| &self.bytes[a.start..a.start + a.len])
    }

    /// A text attribute (REALM, NONCE, SOFTWARE), when it is UTF-8.
    pub fn text(&self, kind: u16) -> Option<&str> {
        std::str::from_utf8(self.attribute(kind)?).ok()
    }

    /// LIFETIME, in seconds.
    pub fn lifetime(&self) -> Option<u32> {
        let v: [u8; 4] = self.attribute(attr::LIFETIME)?.try_into().ok()?;
        Some(u32::from_be_bytes(v))
    }

    /// ERROR-CODE (RFC 5389 section 15.6).
    pub fn error_code(&self) -> Option<ErrorCode> {
        let v = self.attribute(attr::ERROR_CODE)?;
        if v.len() < 4 {
            return None;
        }
        let code = u16::from(v[2] & 0x07) * 100 + u16::from(v[3]);
        let reason = String::from_utf8_lossy(&v[4..]).trim().to_owned();
        Some(ErrorCode { code, reason })
    }

    /// An XOR'd address attribute (XOR-MAPPED-ADDRESS, XOR-RELAYED-ADDRESS).
    pub fn xor_address(&self, kind: u16) -> Option<SocketAddr> {
        let v = self.attribute(kind)?;
        let mut mask = [0u8; 16];
        mask[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        mask[4..].copy_from_slice(&self.transaction);
        let port = u16::from_be_bytes([*v.get(2)?, *v.get(3)?]) ^ COOKIE_HIGH;
        let ip = match (v.get(1)?, v.len()) {
            (0x01, 8) => {
                let mut a = [0u8; 4];
                for (i, b) in a.iter_mut().enumerate() {
                    *b = v[4 + i] ^ mask[i];
                }
                IpAddr::V4(Ipv4Addr::from(a))
            }
            (0x02, 20) => {
                let mut a = [0u8; 16];
                for (i, b) in a.iter_mut().enumerate() {
                    *b = v[4 + i] ^ mask[i];
                }
                IpAddr::V6(Ipv6Addr::from(a))
            }
            _ => return None,
        };
        Some(SocketAddr::new(ip, port))
    }

    /// MAPPED-ADDRESS (RFC 3489 servers send it instead of the XOR'd one).
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        let v = self.attribute(attr::MAPPED_ADDRESS)?;
        let port = u16::from_be_bytes([*v.get(2)?, *v.get(3)?]);
        let ip = match (v.get(1)?, v.len()) {
            (0x01, 8) => IpAddr::V4(Ipv4Addr::new(v[4], v[5], v[6], v[7])),
            (0x02, 20) => {
                let a: [u8; 16] = v[4..20].try_into().ok()?;
                IpAddr::V6(Ipv6Addr::from(a))
            }
            _ => return None,
        };
        Some(SocketAddr::new(ip, port))
    }

    /// Whether MESSAGE-INTEGRITY matches `key`; `None` when there is none.
    pub fn integrity_ok(&self, key: &[u8]) -> Option<bool> {
        let mi = self
            .attributes
            .iter()
            .find(|a| a.kind == attr::MESSAGE_INTEGRITY)?;
        if mi.len != INTEGRITY_LEN {
            return Some(false);
        }
        let covered = mi.start - 4;
        let mut head = self.bytes[..covered].to_vec();
        set_length(&mut head, covered - HEADER_LEN + 4 + INTEGRITY_LEN);
        let expected = hmac_sha1(key, &head);
        Some(expected[..] == self.bytes[mi.start..mi.start + INTEGRITY_LEN])
    }

    /// Whether FINGERPRINT (which must come last) matches; `None` when there is none.
    pub fn fingerprint_ok(&self) -> Option<bool> {
        let fp = self
            .attributes
            .last()
            .filter(|a| a.kind == attr::FINGERPRINT)?;
        if fp.len != 4 {
            return Some(false);
        }
        let v = &self.bytes[fp.start..fp.start + 4];
        let said = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
        Some(crc32(&self.bytes[..fp.start - 4]) ^ FINGERPRINT_XOR == said)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hex with spaces and newlines, as the RFCs print it.
    fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| {
                u8::from_str_radix(std::str::from_utf8(pair).expect("ascii"), 16).expect("hex")
            })
            .collect()
    }

    const RFC5769_TRANSACTION: &str = "b7 e7 a7 01 bc 34 d6 86 fa 87 df ae";
    const RFC5769_PASSWORD: &[u8] = b"VOkJxbRl1RmTxUk/WvJxBt";

    /// RFC 5769 section 2.1: a Binding request, short-term credentials
    /// (USERNAME "evtj:h6vY"), padded with spaces, with FINGERPRINT.
    const SAMPLE_REQUEST: &str = "
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf";

    /// RFC 5769 section 2.2: a Binding success, XOR-MAPPED-ADDRESS 192.0.2.1:32853.
    const SAMPLE_IPV4_RESPONSE: &str = "
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96";

    /// RFC 5769 section 2.3: the same with XOR-MAPPED-ADDRESS
    /// [2001:db8:1234:5678:11:2233:4455:6677]:32853.
    const SAMPLE_IPV6_RESPONSE: &str = "
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c";

    /// RFC 5769 section 2.4: a request with long-term credentials: USERNAME
    /// "マトリックス", NONCE "f//499k954d6OL34oL9FSTvy64sA", REALM
    /// "example.org", password "TheMatrIX" (after SASLprep).
    const SAMPLE_LONG_TERM_REQUEST: &str = "
        00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
        00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

    fn transaction(s: &str) -> TransactionId {
        hex(s).try_into().expect("12 bytes")
    }

    #[test]
    fn message_types_interleave_method_and_class() {
        assert_eq!(message_type(Method::Binding, Class::Request), 0x0001);
        assert_eq!(message_type(Method::Binding, Class::Success), 0x0101);
        assert_eq!(message_type(Method::Binding, Class::Error), 0x0111);
        assert_eq!(message_type(Method::Allocate, Class::Request), 0x0003);
        assert_eq!(message_type(Method::Allocate, Class::Success), 0x0103);
        assert_eq!(message_type(Method::Allocate, Class::Error), 0x0113);
        assert_eq!(message_type(Method::Refresh, Class::Request), 0x0004);
        assert_eq!(message_type(Method::Refresh, Class::Error), 0x0114);
        for t in [0x0001, 0x0101, 0x0111, 0x0113, 0x0114, 0x0017] {
            let (m, c) = split_type(t);
            let back = Method::from_code(m).map(|m| message_type(m, c));
            assert!(back.is_none() || back == Some(t), "{t:#06x}");
        }
        assert_eq!(split_type(0x0017), (0x007, Class::Indication)); // Data indication
    }

    #[test]
    fn rfc5769_sample_request_checks_out() {
        let m = decode(&hex(SAMPLE_REQUEST)).expect("a STUN message");
        assert_eq!(m.method(), Some(Method::Binding));
        assert_eq!(m.class, Class::Request);
        assert_eq!(m.transaction, transaction(RFC5769_TRANSACTION));
        assert_eq!(m.text(attr::SOFTWARE), Some("STUN test client"));
        assert_eq!(m.text(attr::USERNAME), Some("evtj:h6vY"));
        assert_eq!(m.integrity_ok(RFC5769_PASSWORD), Some(true));
        assert_eq!(m.integrity_ok(b"another password"), Some(false));
        assert_eq!(m.fingerprint_ok(), Some(true));
    }

    #[test]
    fn rfc5769_sample_responses_give_the_mapped_address() {
        for (bytes, expected) in [
            (SAMPLE_IPV4_RESPONSE, "192.0.2.1:32853"),
            (
                SAMPLE_IPV6_RESPONSE,
                "[2001:db8:1234:5678:11:2233:4455:6677]:32853",
            ),
        ] {
            let m = decode(&hex(bytes)).expect("a STUN message");
            assert_eq!(m.method(), Some(Method::Binding));
            assert_eq!(m.class, Class::Success);
            assert_eq!(m.text(attr::SOFTWARE), Some("test vector"));
            assert_eq!(
                m.xor_address(attr::XOR_MAPPED_ADDRESS),
                Some(expected.parse().expect("address"))
            );
            assert_eq!(m.integrity_ok(RFC5769_PASSWORD), Some(true));
            assert_eq!(m.fingerprint_ok(), Some(true));
            assert_eq!(m.error_code(), None);
        }
    }

    #[test]
    fn rfc5769_long_term_request_is_encoded_byte_for_byte() {
        let key = long_term_key("マトリックス", "example.org", "TheMatrIX");
        let request = Request::new(
            Method::Binding,
            transaction("78 ad 34 33 c6 ad 72 c0 29 da 41 2e"),
        )
        .with(attr::USERNAME, "マトリックス")
        .with(attr::NONCE, "f//499k954d6OL34oL9FSTvy64sA")
        .with(attr::REALM, "example.org");
        assert_eq!(
            request.encode(Some(&key), false),
            hex(SAMPLE_LONG_TERM_REQUEST)
        );
        let m = decode(&hex(SAMPLE_LONG_TERM_REQUEST)).expect("a STUN message");
        assert_eq!(m.integrity_ok(&key), Some(true));
        assert_eq!(m.fingerprint_ok(), None);
        assert_eq!(m.text(attr::REALM), Some("example.org"));
    }

    #[test]
    fn what_we_encode_we_decode_with_integrity_and_fingerprint() {
        let tid = [7u8; 12];
        let key = long_term_key("1700000000:check", "homecall.test", "pw");
        let bytes = Request::new(Method::Allocate, tid)
            .with(attr::REQUESTED_TRANSPORT, [TRANSPORT_UDP, 0, 0, 0])
            .with(attr::USERNAME, "1700000000:check")
            .with(attr::LIFETIME, 0u32.to_be_bytes())
            .encode(Some(&key), true);
        assert_eq!(bytes.len() % 4, 0);
        assert_eq!(&bytes[..2], &[0x00, 0x03]);
        let m = decode(&bytes).expect("a STUN message");
        assert_eq!(m.method(), Some(Method::Allocate));
        assert_eq!(m.class, Class::Request);
        assert_eq!(m.transaction, tid);
        assert_eq!(m.lifetime(), Some(0));
        assert_eq!(m.text(attr::USERNAME), Some("1700000000:check"));
        assert_eq!(m.integrity_ok(&key), Some(true));
        assert_eq!(m.fingerprint_ok(), Some(true));

        let mut tampered = bytes.clone();
        tampered[HEADER_LEN + 4] ^= 1;
        let m = decode(&tampered).expect("still well-formed");
        assert_eq!(m.integrity_ok(&key), Some(false));
        assert_eq!(m.fingerprint_ok(), Some(false));
    }

    #[test]
    fn error_codes_and_relayed_addresses_are_read() {
        // A 401 as coturn sends it: ERROR-CODE, REALM, NONCE.
        let tid = [1u8; 12];
        let mut error = vec![0x01, 0x13, 0, 0];
        error.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        error.extend_from_slice(&tid);
        push_attribute(&mut error, attr::ERROR_CODE, b"\0\0\x04\x01Unauthorized");
        push_attribute(&mut error, attr::REALM, b"homecall.test");
        push_attribute(&mut error, attr::NONCE, b"abc");
        let len = error.len() - HEADER_LEN;
        set_length(&mut error, len);
        let m = decode(&error).expect("a STUN message");
        assert_eq!(
            (m.method(), m.class),
            (Some(Method::Allocate), Class::Error)
        );
        assert_eq!(
            m.error_code(),
            Some(ErrorCode {
                code: 401,
                reason: "Unauthorized".into()
            })
        );
        assert_eq!(m.text(attr::REALM), Some("homecall.test"));
        assert_eq!(m.text(attr::NONCE), Some("abc"));

        // XOR-RELAYED-ADDRESS 127.0.0.1:49160, as a server would XOR it.
        let port = (49160u16 ^ 0x2112).to_be_bytes();
        let ip = [127 ^ 0x21, 0x12, 0xa4, 1 ^ 0x42];
        let mut ok = vec![0x01, 0x03, 0, 0];
        ok.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        ok.extend_from_slice(&tid);
        push_attribute(
            &mut ok,
            attr::XOR_RELAYED_ADDRESS,
            &[0, 1, port[0], port[1], ip[0], ip[1], ip[2], ip[3]],
        );
        push_attribute(
            &mut ok,
            attr::MAPPED_ADDRESS,
            &[0, 1, 0x1f, 0x90, 10, 0, 0, 1],
        );
        push_attribute(&mut ok, attr::LIFETIME, &600u32.to_be_bytes());
        let len = ok.len() - HEADER_LEN;
        set_length(&mut ok, len);
        let m = decode(&ok).expect("a STUN message");
        assert_eq!(
            m.xor_address(attr::XOR_RELAYED_ADDRESS),
            Some("127.0.0.1:49160".parse().expect("address"))
        );
        assert_eq!(
            m.mapped_address(),
            Some("10.0.0.1:8080".parse().expect("address"))
        );
        assert_eq!(m.lifetime(), Some(600));
        assert_eq!(m.xor_address(attr::XOR_MAPPED_ADDRESS), None);
    }

    #[test]
    fn attributes_after_message_integrity_are_ignored() {
        let mut bytes = Request::new(Method::Binding, [2u8; 12])
            .with(attr::REALM, "covered")
            .encode(Some(b"key"), false);
        push_attribute(&mut bytes, attr::NONCE, b"added later");
        let len = bytes.len() - HEADER_LEN;
        set_length(&mut bytes, len);
        let m = decode(&bytes).expect("a STUN message");
        assert_eq!(m.text(attr::REALM), Some("covered"));
        assert_eq!(m.text(attr::NONCE), None);
        assert_eq!(m.integrity_ok(b"key"), Some(true));
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(decode(&[0; 4]).err(), Some(DecodeError::TooShort(4)));
        let mut bytes = hex(SAMPLE_IPV4_RESPONSE);
        bytes[4] = 0;
        assert_eq!(decode(&bytes).err(), Some(DecodeError::NotStun));
        let mut bytes = hex(SAMPLE_IPV4_RESPONSE);
        bytes.truncate(bytes.len() - 4);
        assert!(matches!(decode(&bytes), Err(DecodeError::Length { .. })));
        let mut bytes = hex(SAMPLE_IPV4_RESPONSE);
        bytes[HEADER_LEN + 3] = 0xff; // SOFTWARE says 255 bytes
        assert_eq!(decode(&bytes).err(), Some(DecodeError::AttributeOverrun));
        // HTTP is not STUN (top bits set).
        assert_eq!(
            decode(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").err(),
            Some(DecodeError::NotStun)
        );
    }

    #[test]
    fn crc32_is_the_usual_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }
}
