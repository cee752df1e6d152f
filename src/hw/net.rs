//! Network interfaces, as far as ICE cares.

/// True when no interface but loopback has an address: inside a network
/// namespace, or a box with its network down. libnice gathers nothing then,
/// so the media engine must be told to use 127.0.0.1 itself.
pub fn loopback_only() -> bool {
    match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces.iter().all(|i| i.is_loopback()),
        Err(e) => {
            tracing::warn!(error = %e, "cannot list network interfaces");
            true
        }
    }
}
