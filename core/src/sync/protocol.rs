//! The wire types of the sync protocol: the `studymate-protocol` crate, re-exported under the path
//! the engine, the server and the bindings have always used, plus the two payloads that are
//! domain records and live with their domain ([`PublicProfile`] in [`crate::profile`],
//! [`ParticipantChange`] in [`crate::chat`]). The change log's own kinds and operations, and
//! the conversion of a logged [`crate::changelog::Change`] into a [`WireChange`], are in
//! [`crate::changelog`].

pub use crate::chat::ParticipantChange;
pub use crate::profile::PublicProfile;
pub use studymate_protocol::*;
