//! In-memory BOLT 8 connections: one side's bytes wait in its descriptor for the pump.

use super::*;

/// One side of an in-memory connection: what this side writes waits here for the pump.
#[derive(Clone)]
pub struct Descriptor {
    pub(super) id: u64,
    pub(super) outbound: Arc<Mutex<Vec<u8>>>,
    pub(super) closed: Arc<Mutex<bool>>,
}

impl fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Descriptor({})", self.id)
    }
}

impl PartialEq for Descriptor {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Descriptor {}

impl StdHash for Descriptor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl SocketDescriptor for Descriptor {
    fn send_data(&mut self, data: &[u8], _continue_read: bool) -> usize {
        lock(&self.outbound).extend_from_slice(data);
        data.len()
    }

    fn disconnect_socket(&mut self) {
        *lock(&self.closed) = true;
    }
}
