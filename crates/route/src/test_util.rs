//! Fixtures shared by the crate's unit tests.

use types::NodeId;

/// A valid-looking node id made of the byte `b` (prefix 02).
pub(crate) fn node(b: u8) -> NodeId {
    let mut a = [b; 33];
    a[0] = 2;
    NodeId::from_array(a).unwrap()
}
