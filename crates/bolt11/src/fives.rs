//! Conversions between 5-bit groups (bech32 field elements, one per `u8`) and bytes or integers.

/// The bech32 alphabet: the character of 5-bit value `v` is `CHARSET[v]`.
pub(crate) const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The character of a 5-bit value (values above 31 are masked).
pub(crate) fn to_char(v: u8) -> char {
    char::from(CHARSET[usize::from(v & 31)])
}

/// `INVERSE[c]`: the 5-bit value of ASCII character `c` in either case, or 0xff.
const INVERSE: [u8; 128] = {
    let mut t = [0xffu8; 128];
    let mut v = 0;
    while v < 32 {
        let c = CHARSET[v];
        t[c as usize] = v as u8;
        t[c.to_ascii_uppercase() as usize] = v as u8;
        v += 1;
    }
    t
};

/// The 5-bit value of a bech32 character (either case), if it is one.
pub(crate) fn from_char(c: u8) -> Option<u8> {
    INVERSE.get(usize::from(c)).copied().filter(|&v| v < 32)
}

/// How many whole bytes `n` 5-bit groups hold (trailing padding bits dropped).
pub(crate) const fn byte_len(n: usize) -> usize {
    n * 5 / 8
}

/// Packs 5-bit groups into bytes, writing `byte_len(fives.len())` bytes to the start of `out`
/// (stopping early if `out` is shorter); trailing padding bits are dropped.
pub(crate) fn to_bytes(fives: &[u8], out: &mut [u8]) {
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut outs = out.iter_mut();
    for &v in fives {
        acc = (acc << 5) | u32::from(v & 31);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            match outs.next() {
                Some(o) => *o = (acc >> bits) as u8,
                None => return,
            }
            acc &= (1 << bits) - 1;
        }
    }
}

/// The bytes held by 5-bit groups, as a new vector.
pub(crate) fn to_vec(fives: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; byte_len(fives.len())];
    to_bytes(fives, &mut out);
    out
}

/// The bytes held by exactly `N` bytes' worth of 5-bit groups, if the length fits.
pub(crate) fn to_array<const N: usize>(fives: &[u8]) -> Option<[u8; N]> {
    if byte_len(fives.len()) != N {
        return None;
    }
    let mut out = [0u8; N];
    to_bytes(fives, &mut out);
    Some(out)
}

/// Appends `bytes` as 5-bit groups, the last one padded with zero bits.
pub(crate) fn push_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(((acc >> bits) & 31) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(((acc << (5 - bits)) & 31) as u8);
    }
}

/// The big-endian integer of 5-bit groups, or `None` when it does not fit a `u64`.
pub(crate) fn to_u64(fives: &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for &f in fives {
        if v >> 59 != 0 {
            return None;
        }
        v = (v << 5) | u64::from(f & 31);
    }
    Some(v)
}

/// Appends `v` as the fewest big-endian 5-bit groups (none for zero).
pub(crate) fn push_u64(v: u64, out: &mut Vec<u8>) {
    let n = (64 - v.leading_zeros()).div_ceil(5);
    for i in (0..n).rev() {
        out.push(((v >> (5 * i)) & 31) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut fives = Vec::new();
            push_bytes(&bytes, &mut fives);
            assert_eq!(fives.len(), (len * 8).div_ceil(5));
            assert_eq!(to_vec(&fives), bytes);
        }
    }

    #[test]
    fn integers() {
        for v in [0u64, 1, 31, 32, 3600, 604_800, u64::MAX >> 1, u64::MAX] {
            let mut fives = Vec::new();
            push_u64(v, &mut fives);
            assert_ne!(fives.first(), Some(&0));
            assert_eq!(to_u64(&fives), Some(v));
        }
        assert_eq!(to_u64(&[31; 13]), None);
        assert_eq!(to_u64(&[1; 13]), Some(0x1084_2108_4210_8421));
        assert_eq!(to_u64(&[]), Some(0));
    }

    #[test]
    fn charset() {
        for v in 0..32u8 {
            assert_eq!(from_char(to_char(v) as u8), Some(v));
            assert_eq!(from_char(to_char(v).to_ascii_uppercase() as u8), Some(v));
        }
        assert_eq!(from_char(b'b'), None);
    }
}
