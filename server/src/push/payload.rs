//! A pushed entry's payload decoded once, straight from the JSON text it came as into the type its
//! rule needs: no JSON tree is built on the way.

use serde::de::DeserializeOwned;
use studymate_core::changelog::{Entity, Operation};

use super::{ApplyError, Pushed, reject};

/// Decodes the payload of `change` (of kind `entity` and `operation`) as `T`, refusing the entry
/// as `invalid_payload` if it has another shape. The refusal names the field at fault.
pub fn decode<T: DeserializeOwned>(
    change: &Pushed,
    entity: Entity,
    operation: Operation,
) -> Result<T, ApplyError> {
    let text = change.payload.get();
    serde_json::from_str(text).map_err(|e| {
        reject(
            "invalid_payload",
            format!("{entity} {operation} payload: {}", described::<T>(text, e)),
        )
    })
}

/// Why `text` is not a `T`, with the path of the field at fault when there is one (e.g.
/// `room_id: invalid type: …`). The path is tracked only here, on a refusal, by decoding again:
/// tracking it on every decode would slow down the ones that succeed.
fn described<T: DeserializeOwned>(text: &str, first: serde_json::Error) -> String {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(e) => e.to_string(),
        Ok(_) => first.to_string(),
    }
}
