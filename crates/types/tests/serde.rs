//! The `serde` feature: amounts as integer msat, ids and hashes as strings.
#![cfg(feature = "serde")]

use lnpay_types::{Msat, NodeId, PaymentHash, ShortChannelId, ShortChannelIdDir};

#[test]
fn json_forms() {
    assert_eq!(serde_json::to_string(&Msat(1500)).unwrap(), "1500");
    assert_eq!(serde_json::from_str::<Msat>("1500").unwrap(), Msat(1500));
    assert!(serde_json::from_str::<Msat>("\"1.5sat\"").unwrap_err().to_string().contains("1.5sat"));
    assert_eq!(serde_json::from_str::<Msat>("\"2sat\"").unwrap(), Msat(2000));
    assert!(serde_json::from_str::<Msat>("-1").is_err());
    let scid: ShortChannelId = serde_json::from_str("\"1x2x3\"").unwrap();
    assert_eq!(serde_json::to_string(&scid).unwrap(), "\"1x2x3\"");
    let d: ShortChannelIdDir = serde_json::from_str("\"1x2x3/1\"").unwrap();
    assert_eq!(d.direction, 1);
    let id = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    let n: NodeId = serde_json::from_str(&format!("\"{id}\"")).unwrap();
    assert_eq!(serde_json::to_value(n).unwrap(), id);
    assert!(serde_json::from_str::<PaymentHash>("\"00\"").is_err());
}

#[test]
fn hop_is_a_sendpay_route_entry() {
    let json = r#"{"id":"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798","channel":"1x2x3","direction":1,"amount_msat":1000,"delay":9}"#;
    let hop: lnpay_types::Hop = serde_json::from_str(json).unwrap();
    assert_eq!(hop.amount, Msat(1000));
    assert_eq!(hop.channel_dir().direction, 1);
    assert_eq!(serde_json::to_string(&hop).unwrap(), json);
}
