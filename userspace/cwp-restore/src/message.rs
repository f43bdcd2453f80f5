//! What restored processes tell the process that restores them, over one
//! pipe they all share: `cwp-restore`'s driver, and the benchmark's.
//!
//! Each message is [`SIZE`] bytes, written with one `write(2)`: below
//! `PIPE_BUF`, so the writes of many processes never interleave, and a
//! reader reads whole messages.

use std::io::{self, Read};
use std::time::Duration;

use clone_with_pids::BorrowedFd;
use rustix::io::Errno;

/// One report from a restored process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// Node `n` exists and has created all its children.
    Ready(u32),
    /// Creating node `n` failed with this errno.
    Failed(u32, i32),
    /// The top has let go of the driver (`--keep`).
    Detached,
    /// The whole tree is restored, in this time, as the restorer measured
    /// it.
    Done(Duration),
}

/// Size of an encoded message.
pub const SIZE: usize = 16;

/// The node of a [`Message::Failed`] that is not a node of the tree: the
/// process that restores it (the benchmark's leader), about itself.
pub const RESTORER: u32 = u32::MAX;

impl Message {
    /// The wire form: kind, node, value (the errno, or nanoseconds),
    /// native-endian.
    pub fn encode(self) -> [u8; SIZE] {
        let (kind, node, value) = match self {
            Message::Ready(n) => (1u32, n, 0u64),
            // The errno's bits, sign and all.
            Message::Failed(n, e) => (2, n, u64::from(e as u32)),
            Message::Detached => (3, 0, 0),
            Message::Done(t) => (4, 0, u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)),
        };
        let mut out = [0; SIZE];
        out[..4].copy_from_slice(&kind.to_ne_bytes());
        out[4..8].copy_from_slice(&node.to_ne_bytes());
        out[8..].copy_from_slice(&value.to_ne_bytes());
        out
    }

    /// Reads the wire form back; `None` for an unknown kind.
    pub fn decode(bytes: &[u8; SIZE]) -> Option<Self> {
        let word = |i: usize| [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
        let node = u32::from_ne_bytes(word(4));
        let mut value = [0; 8];
        value.copy_from_slice(&bytes[8..]);
        let value = u64::from_ne_bytes(value);
        match u32::from_ne_bytes(word(0)) {
            1 => Some(Message::Ready(node)),
            // The low 32 bits are the errno's (see encode).
            2 => Some(Message::Failed(node, value as u32 as i32)),
            3 => Some(Message::Detached),
            4 => Some(Message::Done(Duration::from_nanos(value))),
            _ => None,
        }
    }

    /// Sends the message with one `write(2)`, as restored processes do: no
    /// buffering, nothing allocated, so a forked child may call it. An
    /// interrupted write is retried; a short one is an error (it cannot
    /// happen on a pipe below `PIPE_BUF`).
    pub fn send(self, fd: BorrowedFd<'_>) -> io::Result<()> {
        let bytes = self.encode();
        loop {
            match rustix::io::write(fd, &bytes) {
                Ok(SIZE) => return Ok(()),
                Ok(_) => return Err(io::ErrorKind::WriteZero.into()),
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reads one whole message; `Ok(None)` at end of file (every writer
    /// has gone). A message of an unknown kind is `InvalidData`.
    pub fn recv(reader: &mut impl Read) -> io::Result<Option<Self>> {
        let mut buf = [0u8; SIZE];
        match reader.read_exact(&mut buf) {
            Ok(()) => Self::decode(&buf).map(Some).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    "garbled report from a restored process",
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clone_with_pids::AsFd;

    #[test]
    fn round_trip() {
        for m in [
            Message::Ready(7),
            Message::Failed(3, Errno::BUSY.raw_os_error()),
            Message::Failed(RESTORER, -1),
            Message::Detached,
            Message::Done(Duration::from_micros(1234567)),
        ] {
            assert_eq!(Message::decode(&m.encode()), Some(m));
        }
        assert_eq!(Message::decode(&[0; SIZE]), None);
    }

    #[test]
    fn through_a_pipe() {
        let (mut rx, tx) = io::pipe().unwrap();
        Message::Ready(1).send(tx.as_fd()).unwrap();
        Message::Done(Duration::from_millis(5))
            .send(tx.as_fd())
            .unwrap();
        drop(tx);
        assert_eq!(Message::recv(&mut rx).unwrap(), Some(Message::Ready(1)));
        assert_eq!(
            Message::recv(&mut rx).unwrap(),
            Some(Message::Done(Duration::from_millis(5)))
        );
        assert_eq!(Message::recv(&mut rx).unwrap(), None);
    }
}
