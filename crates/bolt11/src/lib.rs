//! BOLT 11 invoices: decode, verify, encode and sign. (Being built: see issue 3.)
