//! What restored processes tell the driver, over one pipe they all share.
//! Each message is 12 bytes, below PIPE_BUF, so writes never interleave.

use std::io;
use std::os::fd::RawFd;

/// One report from a restored process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// Node `n` exists and has created all its children.
    Ready(u32),
    /// Creating node `n` failed with this errno.
    Failed(u32, i32),
    /// The top has let go of the driver (`--keep`).
    Detached,
}

/// Size of an encoded message.
pub const SIZE: usize = 12;

impl Message {
    /// The wire form: kind, node, errno, native-endian.
    pub fn encode(self) -> [u8; SIZE] {
        let (kind, node, errno) = match self {
            Message::Ready(n) => (1u32, n, 0i32),
            Message::Failed(n, e) => (2, n, e),
            Message::Detached => (3, 0, 0),
        };
        let mut out = [0; SIZE];
        out[..4].copy_from_slice(&kind.to_ne_bytes());
        out[4..8].copy_from_slice(&node.to_ne_bytes());
        out[8..].copy_from_slice(&errno.to_ne_bytes());
        out
    }

    /// Reads the wire form back.
    pub fn decode(bytes: &[u8; SIZE]) -> Option<Self> {
        let word = |i: usize| [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
        let node = u32::from_ne_bytes(word(4));
        match u32::from_ne_bytes(word(0)) {
            1 => Some(Message::Ready(node)),
            2 => Some(Message::Failed(node, i32::from_ne_bytes(word(8)))),
            3 => Some(Message::Detached),
            _ => None,
        }
    }

    /// Sends the message with one write(2), as restored processes do (no
    /// buffering, nothing allocated).
    pub fn send(self, fd: RawFd) -> io::Result<()> {
        let bytes = self.encode();
        loop {
            // SAFETY: writing from a live buffer of SIZE bytes.
            let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), SIZE) };
            if n == SIZE as isize {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if n < 0 && err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for m in [
            Message::Ready(7),
            Message::Failed(3, libc::EBUSY),
            Message::Detached,
        ] {
            assert_eq!(Message::decode(&m.encode()), Some(m));
        }
        assert_eq!(Message::decode(&[0; SIZE]), None);
    }
}
