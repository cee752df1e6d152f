//! Which tunnel holds which box.
//!
//! Owns [`TunnelDirectory`], the one narrow interface between the relay's
//! callers and its boxes: a box's tunnel is *attached* while it is connected,
//! and a caller *finds* it to open a channel through it. [`LocalDirectory`]
//! keeps them in this process; a provider running several relay instances
//! would implement the trait over an existing broker (NATS: a subject per
//! box), with nothing else changing.
//!
//! A [`Tunnel`] is the relay's end of one box's connection: frames to the
//! box go into one bounded queue; frames from the box are routed to each
//! caller's own queue by caller number.

use crate::sync::lock;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;

use super::BoxId;
use crate::tunnel::TunnelFrame;

/// What reaches a caller from its box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToCaller {
    Text(String),
    Close {
        code: Option<u16>,
        reason: Option<String>,
    },
}

/// The relay's end of one box's tunnel; cheap to clone.
#[derive(Debug, Clone)]
pub struct Tunnel {
    to_box: mpsc::Sender<TunnelFrame>,
    callers: Arc<Mutex<HashMap<u64, mpsc::Sender<ToCaller>>>>,
    next_caller: Arc<AtomicU64>,
    max_callers: usize,
}

/// One caller's way through a tunnel. Dropping it tells the box the caller left.
#[derive(Debug)]
pub struct CallerChannel {
    pub caller: u64,
    tunnel: Tunnel,
    pub from_box: mpsc::Receiver<ToCaller>,
}

/// Why a caller could not be put through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// The box has as many callers as the relay lets through to one box.
    TooManyCallers,
    /// The tunnel is closing.
    Gone,
}

impl Tunnel {
    /// A tunnel whose frames for the box go to `to_box`; at most
    /// `max_callers` callers at once.
    pub fn new(to_box: mpsc::Sender<TunnelFrame>, max_callers: usize) -> Self {
        Self {
            to_box,
            callers: Arc::default(),
            next_caller: Arc::new(AtomicU64::new(1)),
            max_callers,
        }
    }

    /// Opens a channel for a caller from `source`.
    pub async fn open(&self, source: IpAddr) -> Result<CallerChannel, OpenError> {
        let (tx, from_box) = mpsc::channel(64);
        let caller = self.next_caller.fetch_add(1, Ordering::Relaxed);
        {
            let mut callers = self.lock();
            if callers.len() >= self.max_callers {
                return Err(OpenError::TooManyCallers);
            }
            callers.insert(caller, tx);
        }
        let channel = CallerChannel {
            caller,
            tunnel: self.clone(),
            from_box,
        };
        self.to_box
            .send(TunnelFrame::Open { caller, source })
            .await
            .map_err(|_| OpenError::Gone)?;
        Ok(channel)
    }

    /// Routes a frame from the box to its caller. A caller that does not
    /// keep up is cut off (its queue is bounded), not waited for.
    pub fn from_box(&self, frame: TunnelFrame) {
        let (caller, message) = match frame {
            TunnelFrame::Data { caller, text } => (caller, ToCaller::Text(text)),
            TunnelFrame::Close {
                caller,
                code,
                reason,
            } => (caller, ToCaller::Close { code, reason }),
            TunnelFrame::Open { .. } => {
                tracing::debug!("a box sent an open frame: ignored");
                return;
            }
        };
        let mut callers = self.lock();
        let Some(queue) = callers.get(&caller) else {
            return;
        };
        let closing = matches!(message, ToCaller::Close { .. });
        if queue.try_send(message).is_err() || closing {
            callers.remove(&caller);
        }
    }

    /// How many callers are going through now.
    pub fn callers(&self) -> usize {
        self.lock().len()
    }

    /// Cuts every caller off (the tunnel is gone or replaced).
    pub fn close_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, mpsc::Sender<ToCaller>>> {
        lock(&self.callers)
    }
}

impl CallerChannel {
    /// Passes one message from the caller to the box (waits while the
    /// tunnel's queue is full: the caller's socket then stops being read).
    pub async fn send(&self, text: String) -> Result<(), OpenError> {
        self.tunnel
            .to_box
            .send(TunnelFrame::Data {
                caller: self.caller,
                text,
            })
            .await
            .map_err(|_| OpenError::Gone)
    }
}

impl Drop for CallerChannel {
    fn drop(&mut self) {
        let known = self.tunnel.lock().remove(&self.caller).is_some();
        if known {
            let close = TunnelFrame::Close {
                caller: self.caller,
                code: None,
                reason: None,
            };
            if self.tunnel.to_box.try_send(close).is_err() {
                tracing::debug!(
                    caller = self.caller,
                    "tunnel full or gone: the box will see the caller go with the tunnel"
                );
            }
        }
    }
}

/// Which tunnel holds which box (see the module docs).
pub trait TunnelDirectory: Send + Sync + 'static {
    /// Records that `tunnel` now holds box `id`; a tunnel that held it before
    /// is returned (to be closed). Detach with the returned generation.
    fn attach(&self, id: &BoxId, tunnel: Tunnel) -> (u64, Option<Tunnel>);
    /// Forgets box `id`'s tunnel if it is still generation `generation`.
    fn detach(&self, id: &BoxId, generation: u64);
    /// The tunnel holding box `id`, if it is connected.
    fn find(&self, id: &BoxId) -> Option<Tunnel>;
}

/// The tunnels this process holds.
#[derive(Debug, Default)]
pub struct LocalDirectory {
    tunnels: Mutex<HashMap<BoxId, (u64, Tunnel)>>,
    generation: AtomicU64,
}

impl LocalDirectory {
    fn lock(&self) -> MutexGuard<'_, HashMap<BoxId, (u64, Tunnel)>> {
        lock(&self.tunnels)
    }
}

impl TunnelDirectory for LocalDirectory {
    fn attach(&self, id: &BoxId, tunnel: Tunnel) -> (u64, Option<Tunnel>) {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let old = self.lock().insert(id.clone(), (generation, tunnel));
        (generation, old.map(|(_, t)| t))
    }

    fn detach(&self, id: &BoxId, generation: u64) {
        let mut tunnels = self.lock();
        if tunnels.get(id).is_some_and(|(g, _)| *g == generation) {
            tunnels.remove(id);
        }
    }

    fn find(&self, id: &BoxId) -> Option<Tunnel> {
        self.lock().get(id).map(|(_, t)| t.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip() -> IpAddr {
        "198.51.100.7".parse().expect("address")
    }

    #[tokio::test]
    async fn callers_are_routed_by_number_and_leaving_tells_the_box() {
        let (to_box, mut box_side) = mpsc::channel(16);
        let tunnel = Tunnel::new(to_box, 2);
        let mut a = tunnel.open(ip()).await.expect("a");
        let b = tunnel.open(ip()).await.expect("b");
        assert_eq!(
            tunnel.open(ip()).await.err(),
            Some(OpenError::TooManyCallers)
        );
        assert!(
            matches!(box_side.recv().await, Some(TunnelFrame::Open { caller, .. }) if caller == a.caller)
        );
        assert!(
            matches!(box_side.recv().await, Some(TunnelFrame::Open { caller, .. }) if caller == b.caller)
        );

        tunnel.from_box(TunnelFrame::Data {
            caller: a.caller,
            text: "hi a".into(),
        });
        assert_eq!(a.from_box.recv().await, Some(ToCaller::Text("hi a".into())));
        a.send("from a".into()).await.expect("sent");
        assert_eq!(
            box_side.recv().await,
            Some(TunnelFrame::Data {
                caller: a.caller,
                text: "from a".into()
            })
        );

        let b_id = b.caller;
        drop(b);
        assert_eq!(
            box_side.recv().await,
            Some(TunnelFrame::Close {
                caller: b_id,
                code: None,
                reason: None
            })
        );
        assert_eq!(tunnel.callers(), 1);

        tunnel.from_box(TunnelFrame::Close {
            caller: a.caller,
            code: Some(1008),
            reason: None,
        });
        assert_eq!(
            a.from_box.recv().await,
            Some(ToCaller::Close {
                code: Some(1008),
                reason: None
            })
        );
        assert_eq!(tunnel.callers(), 0, "the box closed it: no close goes back");
    }

    #[test]
    fn a_newer_tunnel_replaces_the_old_and_survives_its_detach() {
        let dir = LocalDirectory::default();
        let id = BoxId::generate().expect("random");
        let (tx, _rx) = mpsc::channel(1);
        let (first, none) = dir.attach(&id, Tunnel::new(tx.clone(), 1));
        assert!(none.is_none());
        let (second, old) = dir.attach(&id, Tunnel::new(tx, 1));
        assert!(old.is_some(), "the old tunnel is handed back to be closed");
        dir.detach(&id, first);
        assert!(
            dir.find(&id).is_some(),
            "the old tunnel's end does not remove the new one"
        );
        dir.detach(&id, second);
        assert!(dir.find(&id).is_none());
    }
}
