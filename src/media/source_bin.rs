//! A bin holding one device's capture chain (camera or microphone), whose
//! failure stays inside it.
//!
//! Owns catching the chain's errors: an unplugged camera's `v4l2src` posts
//! an error and pushes end-of-stream. Here the error is turned into a note
//! to the capture's supervisor (`fallback`) instead of reaching the
//! pipeline's bus, and the end-of-stream is dropped at the bin's edge, so
//! the encoder and every caller go on with the placeholder.
//!
//! ```text
//! ┌ SourceBin "camera-3" ─────────────────────────────────────┐
//! │ v4l2src ─ videoconvert ─ videoscale ─ videorate ─ caps ─ ◎ src (EOS dropped)
//! └───────────────────────────────────────────────────────────┘
//! ```

use crate::sync::lock;
use std::sync::mpsc::Sender;
use std::sync::Mutex;

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;

/// What a device's bin tells its supervisor.
#[derive(Debug)]
pub(super) enum Note {
    /// The chain's first buffer left the bin.
    Flowing { generation: u64 },
    /// The chain failed (the error's text).
    Failed { generation: u64, reason: String },
    /// The capture is stopping.
    Stop,
}

glib::wrapper! {
    pub struct SourceBin(ObjectSubclass<imp::SourceBin>)
        @extends gst::Bin, gst::Element, gst::Object,
        @implements gst::ChildProxy;
}

impl SourceBin {
    /// A bin named `name` holding `chain` (linked, source first), with a
    /// ghost `src` pad; its notes go to `notes`, tagged `generation`.
    pub(super) fn new(
        name: &str,
        chain: &[gst::Element],
        notes: Sender<Note>,
        generation: u64,
    ) -> Result<Self, super::MediaError> {
        let bin: Self = glib::Object::builder().property("name", name).build();
        *lock(&bin.imp().notes) = Some((notes.clone(), generation));
        bin.add_many(chain)?;
        gst::Element::link_many(chain)?;
        let last = chain
            .last()
            .and_then(|e| e.static_pad("src"))
            .ok_or_else(|| super::MediaError::Pipeline("an empty capture chain".into()))?;
        let ghost = gst::GhostPad::builder_with_target(&last)?
            .name("src")
            .build();
        let flowing = Mutex::new(Some(notes));
        ghost.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
            move |_, info| match info.data {
                Some(gst::PadProbeData::Event(ref e)) if e.type_() == gst::EventType::Eos => {
                    // The device stopped: the selector must not pass that on.
                    gst::PadProbeReturn::Drop
                }
                Some(gst::PadProbeData::Buffer(_)) => {
                    if let Some(notes) = lock(&flowing).take() {
                        let _ = notes.send(Note::Flowing { generation });
                    }
                    gst::PadProbeReturn::Ok
                }
                _ => gst::PadProbeReturn::Ok,
            },
        );
        bin.add_pad(&ghost)?;
        Ok(bin)
    }
}

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct SourceBin {
        pub(super) notes: Mutex<Option<(Sender<Note>, u64)>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for SourceBin {
        const NAME: &'static str = "HomeCallSourceBin";
        type Type = super::SourceBin;
        type ParentType = gst::Bin;
    }

    impl ObjectImpl for SourceBin {}
    impl GstObjectImpl for SourceBin {}
    impl ElementImpl for SourceBin {}

    impl BinImpl for SourceBin {
        fn handle_message(&self, message: gst::Message) {
            if let gst::MessageView::Error(e) = message.view() {
                // Called on the thread that posted (a streaming thread, or
                // the one changing state): only forward.
                if let Some((notes, generation)) = lock(&self.notes).as_ref() {
                    tracing::debug!(error = %e.error(), debug = ?e.debug(), "capture device error");
                    let _ = notes.send(Note::Failed {
                        generation: *generation,
                        reason: e.error().to_string(),
                    });
                    return;
                }
            }
            self.parent_handle_message(message)
        }
    }
}
