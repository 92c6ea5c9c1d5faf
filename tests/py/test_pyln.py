"""pyln-client's LightningRpc against a real `lnpay node`, every reply checked against the
response part of Core Lightning's schema for its method (../shared/spec/cln-schemas)."""

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import jsonschema
import pytest
from pyln.client import LightningRpc, RpcError

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT.parent / "shared" / "spec" / "cln-schemas"


def binary():
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    exe = target / "debug" / "lnpay"
    if not exe.exists():
        pytest.fail(f"the lnpay binary is missing: expected {exe} (run `cargo build -p lnpay-node`)")
    return exe


def _is(pattern):
    rx = re.compile(pattern)
    return lambda _c, v: isinstance(v, str) and rx.fullmatch(v) is not None


def _uint(bits):
    return lambda _c, v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << bits)


CHECKER = jsonschema.Draft7Validator.TYPE_CHECKER.redefine_many(
    {
        "hash": _is(r"[0-9a-f]{64}"),
        "secret": _is(r"[0-9a-f]{64}"),
        "pubkey": _is(r"0[23][0-9a-f]{64}"),
        "hex": _is(r"([0-9a-f]{2})*"),
        "bip340sig": _is(r"[0-9a-f]{128}"),
        "signature": _is(r"([0-9a-f]{2})+"),
        "short_channel_id": _is(r"\d+x\d+x\d+"),
        "short_channel_id_dir": _is(r"\d+x\d+x\d+/[01]"),
        "msat": _uint(64),
        "u64": _uint(64),
        "u32": _uint(32),
        "u16": _uint(16),
        "u8": _uint(8),
        "currency": lambda _c, v: isinstance(v, str),
    }
)
Validator = jsonschema.validators.extend(jsonschema.Draft7Validator, type_checker=CHECKER)


def check(method, reply):
    path = SCHEMAS / f"{method}.json"
    if not path.exists():
        pytest.fail(f"the Core Lightning schema is missing: expected {path}")
    schema = json.loads(path.read_text())["response"]
    Validator(schema).validate(reply)
    return reply


@pytest.fixture(scope="module")
def node():
    exe = binary()
    with tempfile.TemporaryDirectory() as d:
        # Simulated time runs 10x the wall clock, so a receiver holding a partial multi-part set
        # gives up after 6 s, not 60 s.
        proc = subprocess.Popen([exe, "node", "--data-dir", d, "--speed", "10"], stderr=subprocess.DEVNULL)
        sock = Path(d) / "sim" / "lightning-rpc"
        deadline = time.time() + 20
        while not sock.exists():
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"lnpay node did not open {sock}")
            time.sleep(0.05)
        rpc = LightningRpc(str(sock))
        yield rpc
        try:
            rpc.call("stop")
        except Exception:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def invoice(rpc, amount):
    peer = rpc.call("listpeerchannels")["channels"][0]["peer_id"]
    return rpc.call("dev-siminvoice", [peer, amount])


def test_getinfo(node):
    info = node.getinfo()
    assert info["network"] == "sim"
    assert len(info["id"]) == 66


def test_decodepay(node):
    inv = invoice(node, 12_345)
    d = check("decodepay", node.decodepay(inv["bolt11"]))
    assert d["payment_hash"] == inv["payment_hash"]
    assert d["amount_msat"] == 12_345


def test_pay_then_lists(node):
    inv = invoice(node, 200_000)
    r = check("pay", node.pay(inv["bolt11"]))
    assert r["status"] == "complete"
    assert r["amount_msat"] == 200_000
    pays = check("listpays", node.listpays(payment_hash=inv["payment_hash"]))
    assert [p["status"] for p in pays["pays"]] == ["complete"]
    parts = check("listsendpays", node.listsendpays(payment_hash=inv["payment_hash"]))
    assert any(p["status"] == "complete" for p in parts["payments"])


def test_pay_twice_and_param_errors(node):
    inv = invoice(node, 10_000)
    first = node.pay(inv["bolt11"])
    again = check("pay", node.pay(inv["bolt11"]))
    assert again["payment_preimage"] == first["payment_preimage"]
    with pytest.raises(RpcError) as e:
        node.call("pay", {})
    assert e.value.error["code"] == -32602
    assert e.value.error["message"] == "missing required parameter: bolt11"
    with pytest.raises(RpcError) as e:
        node.call("nosuchmethod")
    assert e.value.error["code"] == -32601


def one_hop_route(rpc, amount):
    me = rpc.getinfo()["id"]
    ch = rpc.call("listpeerchannels")["channels"][0]
    peer = ch["peer_id"]
    inv = rpc.call("dev-siminvoice", [peer, amount])
    d = rpc.decodepay(inv["bolt11"])
    hop = {
        "id": peer,
        "channel": ch["short_channel_id"],
        "direction": 0 if me < peer else 1,
        "amount_msat": amount,
        "delay": d["min_final_cltv_expiry"],
    }
    return inv, d, [hop]


def test_sendpay_waitsendpay_201_delpay(node):
    inv, d, route = one_hop_route(node, 100_000)
    h = inv["payment_hash"]
    sent = check(
        "sendpay",
        node.sendpay(route, h, payment_secret=d["payment_secret"], bolt11=inv["bolt11"], amount_msat=100_000),
    )
    assert sent["status"] == "pending"
    done = check("waitsendpay", node.waitsendpay(h))
    assert done["status"] == "complete"
    with pytest.raises(RpcError) as e:
        node.sendpay([dict(route[0], amount_msat=100_001)], h, payment_secret=d["payment_secret"], amount_msat=100_001)
    assert e.value.error["code"] == 201
    assert e.value.error["message"] == "Already succeeded with amount 100000msat (not 100001msat)"
    status = node.paystatus(inv["bolt11"])
    assert isinstance(status["pay"], list)
    gone = check("delpay", node.delpay(h, "complete"))
    assert [p["payment_hash"] for p in gone["payments"]] == [h]
    assert node.listsendpays(payment_hash=h)["payments"] == []


def test_keysend_and_205(node):
    peer = node.call("listpeerchannels")["channels"][0]["peer_id"]
    r = check("keysend", node.keysend(peer, 5_000))
    assert r["status"] == "complete"
    assert r["amount_msat"] == 5_000
    huge = node.call("dev-siminvoice", [peer, 10**15])
    with pytest.raises(RpcError) as e:
        node.pay(huge["bolt11"])
    assert e.value.error["code"] == 205
    assert e.value.error["message"] == "Could not find a route"


def test_decode(node):
    inv = invoice(node, 7_000)
    d = check("decode", node.decode(inv["bolt11"]))
    assert d["type"] == "bolt11 invoice"
    assert d["valid"] is True
    assert d["payment_hash"] == inv["payment_hash"]
    with pytest.raises(RpcError) as e:
        node.decode("lnbc1garbage")
    assert e.value.error["code"] == -32602


def test_decode_bolt12(node):
    vectors = ROOT.parent / "shared" / "vectors"
    offers = json.loads((vectors / "offers-test.json").read_text())
    valid = [o for o in offers if o["valid"]]
    assert len(valid) == 20
    for o in valid:
        d = check("decode", node.decode(o["bolt12"]))
        assert d["type"] == "bolt12 offer"
        assert d["valid"] is True
        if "offer_issuer_id" in d:
            assert len(d["offer_id"]) == 64
    request = json.loads((vectors / "signature-test.json").read_text())[3]
    d = check("decode", node.decode(request["bolt12"]))
    assert d["type"] == "bolt12 invoice_request"
    assert d["signature"] == request["signature"]
    assert d["offer_description"] == "A Mathematical Treatise"
    for bad in [o["bolt12"] for o in offers if not o["valid"]][:5] + ["lnr1qq", "lni1qq"]:
        with pytest.raises(RpcError) as e:
            node.decode(bad)
        assert e.value.error["code"] == -32602


VECTORS = ROOT.parent / "shared" / "vectors" / "bolt11-examples.json"


def rpc_call(rpc, method, params):
    """A call that fails the test with a clear message when the daemon lacks the method."""
    try:
        return rpc.call(method, params)
    except RpcError as e:
        if e.error["code"] == -32601:
            pytest.fail(f"lnpay node does not serve {method}: {e.error}")
        raise


def far_destination(rpc, amount):
    """A node two hops or more away whose cheapest route (getroute with riskfactor 0 and no
    fuzz) charges a fee: returns (node id, that fee)."""
    me = rpc.getinfo()["id"]
    peers = {c["peer_id"] for c in rpc.call("listpeerchannels")["channels"]}
    seen = set()
    for peer in sorted(peers):
        chans = rpc_call(rpc, "listchannels", {"source": peer})["channels"]
        for c in chans:
            cand = c["destination"]
            if cand == me or cand in peers or cand in seen:
                continue
            seen.add(cand)
            try:
                route = rpc_call(
                    rpc, "getroute", {"id": cand, "amount_msat": amount, "riskfactor": 0, "fuzzpercent": 0}
                )
            except RpcError:
                continue
            check("getroute", route)
            fee = route["route"][0]["amount_msat"] - amount
            if fee > 0 and len(route["route"]) >= 2:
                return cand, fee
    pytest.fail(f"no node beyond our {len(peers)} peers is reachable with a fee (looked at {len(seen)})")


def test_206_route_too_expensive(node):
    amount = 1_000_000
    dest, fee = far_destination(node, amount)
    inv = node.call("dev-siminvoice", [dest, amount])
    h = inv["payment_hash"]
    # maxfee below the cheapest route's fee.
    with pytest.raises(RpcError) as e:
        node.call("pay", {"bolt11": inv["bolt11"], "maxfee": fee - 1})
    err = e.value.error
    assert err["code"] == 206, err
    assert re.fullmatch(rf"Fee exceeds our fee budget: (\d+)msat > {fee - 1}msat, discarding route", err["message"]), err
    if "data" in err:
        assert err["data"]["fee"] >= fee, err
    # maxfeepercent below it (no exemption for small fees).
    with pytest.raises(RpcError) as e:
        node.call("pay", {"bolt11": inv["bolt11"], "maxfeepercent": 0.00001, "exemptfee": 0})
    err = e.value.error
    assert err["code"] == 206, err
    assert re.fullmatch(r"Fee exceeds our fee budget: (\d+)msat > 0msat, discarding route", err["message"]), err
    # Nothing was sent: with room for the fee the same invoice is paid.
    done = check("pay", node.call("pay", {"bolt11": inv["bolt11"], "maxfee": 10 * fee + 1000}))
    assert done["status"] == "complete"
    assert done["amount_msat"] == amount
    assert done["amount_sent_msat"] >= amount + fee
    pays = check("listpays", node.listpays(payment_hash=h))
    assert "complete" in [p["status"] for p in pays["pays"]]


def test_207_invoice_expired(node):
    """The BOLT 11 example "a cup of coffee within one minute" (signed in 2017) is long expired."""
    if not VECTORS.exists():
        pytest.fail(f"the BOLT 11 examples are missing: expected {VECTORS}")
    examples = json.loads(VECTORS.read_text())["valid"]
    coffee = [x for x in examples if x["title"].startswith("Please send $3 for a cup of coffee")]
    assert len(coffee) == 1
    bolt11 = coffee[0]["invoice"]
    d = check("decodepay", node.decodepay(bolt11))
    assert d["expiry"] == 60
    with pytest.raises(RpcError) as e:
        node.pay(bolt11)
    err = e.value.error
    assert err["code"] == 207, err
    assert err["message"] == "Invoice expired"
    if "data" in err:
        assert err["data"]["expiry"] == d["created_at"] + d["expiry"], err
        assert err["data"]["now"] > err["data"]["expiry"], err
    # Nothing of it was kept.
    assert node.listpays(payment_hash=d["payment_hash"])["pays"] == []


def test_pay_multi_part(node):
    """An amount larger than every channel into the payee can only arrive split: the pay
    completes in two or more parts of one group, each listed by listsendpays."""
    me = node.getinfo()["id"]
    peers = {c["peer_id"] for c in node.call("listpeerchannels")["channels"]}
    inbound = {}
    for c in rpc_call(node, "listchannels", {})["channels"]:
        inbound.setdefault(c["destination"], []).append(c["amount_msat"])
    # Payees with several inbound channels of 0.01 to 0.2 BTC, the most evenly spread first.
    candidates = sorted(
        (
            n
            for n, caps in inbound.items()
            if n != me and n not in peers and len(caps) >= 4 and 1_000_000_000 <= max(caps) <= 20_000_000_000
        ),
        key=lambda n: (-sum(inbound[n]) / max(inbound[n]), n),
    )
    tried = []
    for dest in candidates[:8]:
        amount = max(inbound[dest]) * 5 // 4
        inv = node.call("dev-siminvoice", [dest, amount])
        try:
            r = check("pay", node.call("pay", {"bolt11": inv["bolt11"], "maxfeepercent": 2, "retry_for": 10}))
        except RpcError as e:
            tried.append((dest, amount, e.error["code"]))
            continue
        assert r["status"] == "complete"
        sent = check("listsendpays", node.listsendpays(payment_hash=inv["payment_hash"]))["payments"]
        done = [p for p in sent if p["status"] == "complete"]
        assert len(done) >= 2, sent
        # `parts` counts every HTLC the pay tried, failed ones included.
        assert r["parts"] >= len(done), r
        assert len({p["groupid"] for p in done}) == 1, done
        assert sum(p["amount_msat"] for p in done) == amount
        return
    pytest.fail(f"no multi-part pay completed; tried (node, amount, error code): {tried}")


def askrene(rpc, method, params=None):
    """Calls `method` with `params` (by name) after checking them against the request part of
    its Core Lightning schema, and checks the reply against the response part."""
    params = params or {}
    path = SCHEMAS / f"{method}.json"
    if not path.exists():
        pytest.fail(f"the Core Lightning schema is missing: expected {path}")
    Validator(json.loads(path.read_text())["request"]).validate(params)
    return check(method, rpc_call(rpc, method, params))


def askrene_error(rpc, method, params):
    with pytest.raises(RpcError) as e:
        rpc_call(rpc, method, params)
    return e.value.error


def route_fee(route):
    return route["path"][0]["amount_msat"] - route["amount_msat"]


def test_help_lists_askrene(node):
    names = {h["command"] for h in node.call("help")["help"]}
    for m in [
        "getroutes", "askrene-create-layer", "askrene-remove-layer", "askrene-listlayers",
        "askrene-create-channel", "askrene-update-channel", "askrene-remove-channel-update",
        "askrene-inform-channel", "askrene-disable-node", "askrene-bias-channel",
        "askrene-bias-node", "askrene-reserve", "askrene-unreserve",
        "askrene-listreservations", "askrene-age",
    ]:
        assert m in names, m


def test_getroutes(node):
    me = node.getinfo()["id"]
    amount = 1_000_000
    dest, fee = far_destination(node, amount)
    base = {"source": me, "destination": dest, "amount_msat": amount,
            "layers": ["auto.localchans", "auto.sourcefree"], "maxfee_msat": 10 * fee + 1000,
            "final_cltv": 18}
    r = askrene(node, "getroutes", base)
    assert r["routes"], r
    assert sum(x["amount_msat"] for x in r["routes"]) == amount
    assert sum(route_fee(x) for x in r["routes"]) <= base["maxfee_msat"]
    assert 0 < r["probability_ppm"] <= 1_000_000
    for x in r["routes"]:
        assert x["final_cltv"] == 18
        assert x["path"][0]["node_id_in"] == me
        assert x["path"][-1]["node_id_out"] == dest
        for a, b in zip(x["path"], x["path"][1:]):
            assert a["node_id_out"] == b["node_id_in"]
            assert a["amount_out_msat"] == b["amount_in_msat"]
            assert a["cltv_out"] == b["cltv_in"]
            assert a["amount_out_msat"] >= b["amount_out_msat"]
    # maxparts is a limit.
    one = askrene(node, "getroutes", dict(base, maxparts=1))
    assert len(one["routes"]) == 1
    # Below the cheapest fee: askrene's 206; an unknown layer is refused.
    e = askrene_error(node, "getroutes", dict(base, maxfee_msat=fee - 1))
    assert e["code"] == 206, e
    e = askrene_error(node, "getroutes", dict(base, layers=["nosuchlayer"]))
    assert e["code"] == -32602 and "nosuchlayer" in e["message"], e
    # The single route pays through sendpay as getroutes gives it.
    inv = node.call("dev-siminvoice", [dest, amount])
    d = node.decodepay(inv["bolt11"])
    path = one["routes"][0]["path"]
    sent = node.sendpay(path, inv["payment_hash"], payment_secret=d["payment_secret"],
                        bolt11=inv["bolt11"], amount_msat=amount)
    assert sent["status"] == "pending"
    try:
        done = node.waitsendpay(inv["payment_hash"], timeout=30)
        assert done["status"] == "complete"
    except RpcError as e:
        # A route through unknown liquidity may fail; it must fail as a route failure.
        assert e.error["code"] in (203, 204), e.error


def test_askrene_layers(node):
    me = node.getinfo()["id"]
    amount = 1_000_000
    dest, fee = far_destination(node, amount)
    base = {"source": me, "destination": dest, "amount_msat": amount,
            "layers": ["auto.localchans", "auto.sourcefree"], "maxfee_msat": 10 * fee + 1000,
            "final_cltv": 18, "maxparts": 1}
    r = askrene(node, "askrene-create-layer", {"layer": "t1"})
    assert [(x["layer"], x["persistent"]) for x in r["layers"]] == [("t1", False)]
    e = askrene_error(node, "askrene-create-layer", {"layer": "t1"})
    assert e["code"] == -32602, e
    # Persistent: succeeds though it exists.
    askrene(node, "askrene-create-layer", {"layer": "t1", "persistent": True})

    # Disabling the intermediate nodes of the route moves the route.
    first = askrene(node, "getroutes", base)["routes"][0]["path"]
    mids = [h["node_id_out"] for h in first[:-1]]
    for n in mids:
        askrene(node, "askrene-disable-node", {"layer": "t1", "node": n})
    try:
        again = askrene(node, "getroutes", dict(base, layers=base["layers"] + ["t1"]))
        for h in again["routes"][0]["path"][:-1]:
            assert h["node_id_out"] not in mids
    except RpcError as e:
        assert e.error["code"] == 205, e.error

    # A created channel (in a layer of its own) to a node the graph does not know, from a peer.
    askrene(node, "askrene-create-layer", {"layer": "t2"})
    peer = node.call("listpeerchannels")["channels"][0]["peer_id"]
    fake = "02" + "ab" * 32
    askrene(node, "askrene-create-channel", {"layer": "t2", "source": peer, "destination": fake,
                                            "short_channel_id": "1x2x3", "capacity_msat": 10**9})
    d = 0 if peer < fake else 1
    askrene(node, "askrene-update-channel", {"layer": "t2", "short_channel_id_dir": f"1x2x3/{d}",
                                            "fee_base_msat": 7, "fee_proportional_millionths": 100,
                                            "cltv_expiry_delta": 9, "htlc_minimum_msat": 1,
                                            "htlc_maximum_msat": 10**9, "enabled": True})
    to_fake = askrene(node, "getroutes", {"source": me, "destination": fake, "amount_msat": 50_000,
                                          "layers": ["auto.localchans", "t2"], "maxfee_msat": 5_000,
                                          "final_cltv": 18})
    last = to_fake["routes"][0]["path"][-1]
    assert last["short_channel_id_dir"] == f"1x2x3/{d}" and last["node_id_out"] == fake
    askrene(node, "askrene-remove-channel-update", {"layer": "t2", "short_channel_id_dir": f"1x2x3/{d}"})
    e = askrene_error(node, "askrene-remove-channel-update", {"layer": "t2", "short_channel_id_dir": f"1x2x3/{d}"})
    assert e["code"] == -32602, e

    created = askrene(node, "askrene-listlayers", {"layer": "t2"})["layers"][0]["created_channels"]
    assert created[0]["short_channel_id"] == "1x2x3"
    askrene(node, "askrene-remove-layer", {"layer": "t2"})
    # Constraints, impressions, biases.
    c = first[-1]["short_channel_id_dir"]
    r = askrene(node, "askrene-inform-channel", {"layer": "t1", "short_channel_id_dir": c,
                                                "amount_msat": 5000, "inform": "constrained"})
    assert r["constraints"][0]["maximum_msat"] == 4999
    r = askrene(node, "askrene-inform-channel", {"layer": "t1", "short_channel_id_dir": c,
                                                "amount_msat": 3000, "inform": "unconstrained"})
    assert r["constraints"][0]["minimum_msat"] == 3000
    r = askrene(node, "askrene-inform-channel", {"layer": "t1", "short_channel_id_dir": c,
                                                "amount_msat": 1000, "inform": "succeeded"})
    assert r["impressions"][0]["amount_msat"] == 1000
    r = askrene(node, "askrene-bias-channel", {"layer": "t1", "short_channel_id_dir": c, "bias": -5,
                                              "description": "meh"})
    assert r["biases"][0]["bias"] == -5
    r = askrene(node, "askrene-bias-channel", {"layer": "t1", "short_channel_id_dir": c, "bias": -3,
                                              "relative": True})
    assert r["biases"][0]["bias"] == -8
    e = askrene_error(node, "askrene-bias-channel", {"layer": "t1", "short_channel_id_dir": c, "bias": 101})
    assert e["code"] == -32602, e
    r = askrene(node, "askrene-bias-node", {"layer": "t1", "node": dest, "direction": "in", "bias": 4})
    assert (r["node_biases"][0]["in_bias"], r["node_biases"][0]["out_bias"]) == (4, 0)
    listed = askrene(node, "askrene-listlayers", {"layer": "t1"})["layers"]
    assert len(listed) == 1
    t1 = listed[0]
    assert t1["persistent"] is True
    assert set(mids) <= set(t1["disabled_nodes"])
    assert t1["constraints"][0]["short_channel_id_dir"] == c
    assert t1["impressions"][0]["amount_msat"] == 1000
    assert t1["biases"][0]["bias"] == -8
    r = askrene(node, "askrene-age", {"layer": "t1", "cutoff": 10**10})
    assert r == {"layer": "t1", "num_removed": 2}
    askrene(node, "askrene-remove-layer", {"layer": "t1"})
    e = askrene_error(node, "askrene-listlayers", {"layer": "t1"})
    assert e["code"] == -32602, e
    # The learned layer is always there and persistent.
    xpay = askrene(node, "askrene-listlayers", {"layer": "xpay"})["layers"][0]
    assert xpay["persistent"] is True


def test_askrene_reservations_and_learned_layer(node):
    me = node.getinfo()["id"]
    ch = node.call("listpeerchannels")["channels"][0]
    d = 0 if me < ch["peer_id"] else 1
    hop = {"short_channel_id_dir": f"{ch['short_channel_id']}/{d}", "amount_msat": 12_345}
    askrene(node, "askrene-reserve", {"path": [hop, dict(hop, layer="x")]})
    rs = askrene(node, "askrene-listreservations")["reservations"]
    assert [r["amount_msat"] for r in rs if r["short_channel_id_dir"] == hop["short_channel_id_dir"]] == [12_345, 12_345]
    askrene(node, "askrene-unreserve", {"path": [hop, dict(hop, layer="x")]})
    e = askrene_error(node, "askrene-unreserve", {"path": [hop]})
    assert e["code"] == -32602, e
    assert askrene(node, "askrene-listreservations")["reservations"] == []
    # What a pay learns shows in the learned layer; a pay through a layer routes around its
    # disabled node.
    inv = invoice(node, 300_000)
    r = check("pay", node.call("pay", {"bolt11": inv["bolt11"], "layers": ["xpay"]}))
    assert r["status"] == "complete"
    xpay = askrene(node, "askrene-listlayers", {"layer": "xpay"})["layers"][0]
    assert any(c.get("minimum_msat", 0) >= 300_000 for c in xpay["constraints"]), xpay
    r = askrene(node, "askrene-inform-channel", {"layer": "xpay", "short_channel_id_dir": hop["short_channel_id_dir"],
                                                "amount_msat": 10**12, "inform": "constrained"})
    assert r["constraints"][0]["maximum_msat"] == 10**12 - 1
    aged = askrene(node, "askrene-age", {"layer": "xpay", "cutoff": 1})
    assert aged["num_removed"] == 0
# A request amount may be any form Core Lightning parses (1000, "1000msat", "5sat", "0.1btc").
REQUEST_CHECKER = CHECKER.redefine(
    "msat",
    lambda _c, v: _uint(64)(_c, v) or _is(r"\d+(msat|sat|btc)?|\d+\.\d{1,3}sat|\d+\.\d{1,11}btc")(_c, v),
)
RequestValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, type_checker=REQUEST_CHECKER)


def check_request(method, params):
    """Validates a request's params (by name) against the request part of the method's schema."""
    path = SCHEMAS / f"{method}.json"
    if not path.exists():
        pytest.fail(f"the Core Lightning schema is missing: expected {path}")
    schema = dict(json.loads(path.read_text())["request"])
    schema.setdefault("type", "object")
    RequestValidator(schema).validate(params)
    return params


def xcall(rpc, method, params):
    """A request validated against its schema, then its reply validated against it too."""
    return check(method, rpc_call(rpc, method, check_request(method, params)))


def xerror(rpc, method, params):
    with pytest.raises(RpcError) as e:
        rpc_call(rpc, method, check_request(method, params))
    return e.value.error


def test_help_lists_xpay_and_xkeysend(node):
    commands = [c["command"] for c in node.help()["help"]]
    assert "xpay" in commands and "xkeysend" in commands


def test_xpay_then_lists(node):
    inv = invoice(node, 150_000)
    r = xcall(node, "xpay", {"invstring": inv["bolt11"], "label": "x1", "layers": [], "retry_for": 30})
    assert r["amount_msat"] == 150_000
    assert r["successful_parts"] >= 1 and r["failed_parts"] >= 0
    assert r["amount_sent_msat"] >= r["amount_msat"]
    pays = check("listpays", node.listpays(payment_hash=inv["payment_hash"]))
    assert [p["status"] for p in pays["pays"]] == ["complete"]
    assert pays["pays"][0]["label"] == "x1"
    assert pays["pays"][0]["preimage"] == r["payment_preimage"]
    # Already paid: 219.
    err = xerror(node, "xpay", {"invstring": inv["bolt11"]})
    assert err["code"] == 219, err


def test_xpay_amounts_and_refusals(node):
    inv = invoice(node, 20_000)
    # Amounts in Core Lightning's forms.
    r = xcall(node, "xpay", {"invstring": inv["bolt11"], "maxfee": "5sat", "maxdelay": 2016})
    assert r["amount_msat"] == 20_000
    err = xerror(node, "xpay", {"invstring": invoice(node, 1_000)["bolt11"], "amount_msat": "1000msat"})
    assert err["code"] == -32602 and err["message"] == "amount_msat parameter unnecessary", err
    err = xerror(node, "xpay", {"invstring": "lni1qqgvzkzz5jrhmdd0c9vy9fy80k667q3qqc3xu3s3rg94nj40zfs"})
    assert err["code"] == -32602 and "bolt12" in err["message"], err
    err = xerror(node, "xpay", {"invstring": "lnbc1garbage"})
    assert err["code"] == -32602, err
    with pytest.raises(RpcError) as e:
        node.call("xpay", {"invstring": inv["bolt11"], "maxparts": 2})
    assert e.value.error["code"] == -32602
    # A layer that does not exist is refused, naming it.
    err = xerror(node, "xpay", {"invstring": invoice(node, 1_000)["bolt11"], "layers": ["nosuch"]})
    assert err["code"] == -32602 and "nosuch" in err["message"], err


def test_xpay_expired_207(node):
    if not VECTORS.exists():
        pytest.fail(f"the BOLT 11 examples are missing: expected {VECTORS}")
    examples = json.loads(VECTORS.read_text())["valid"]
    coffee = [x for x in examples if x["title"].startswith("Please send $3 for a cup of coffee")]
    err = xerror(node, "xpay", {"invstring": coffee[0]["invoice"]})
    assert err["code"] == 207 and err["message"] == "Invoice expired", err


def test_xpay_205_and_fee_only_209(node):
    peer = node.call("listpeerchannels")["channels"][0]["peer_id"]
    huge = node.call("dev-siminvoice", [peer, 10**15])
    err = xerror(node, "xpay", {"invstring": huge["bolt11"]})
    assert err["code"] == 205, err
    amount = 1_000_000
    dest, fee = far_destination(node, amount)
    inv = node.call("dev-siminvoice", [dest, amount])
    err = xerror(node, "xpay", {"invstring": inv["bolt11"], "maxfee": fee - 1})
    assert err["code"] == 209, err
    m = re.fullmatch(rf"Failed: the cheapest route found costs (\d+)msat in fees, more than maxfee {fee - 1}msat", err["message"])
    assert m and int(m.group(1)) >= fee, err
    assert err["data"]["fee_msat"] == int(m.group(1)), err
    # With room for the fee it pays.
    r = xcall(node, "xpay", {"invstring": inv["bolt11"], "maxfee": 10 * fee + 1000})
    assert r["amount_msat"] == amount


def test_xkeysend(node):
    peer = node.call("listpeerchannels")["channels"][0]["peer_id"]
    r = xcall(node, "xkeysend", {"destination": peer, "amount_msat": 6_000, "label": "xk", "maxfee": 1000})
    assert r["amount_msat"] == 6_000 and r["successful_parts"] == 1
    me = node.getinfo()["id"]
    err = xerror(node, "xkeysend", {"destination": me, "amount_msat": "6sat"})
    assert err["code"] == -1, err


def test_sendpay_takes_a_getroutes_path(node):
    inv, d, route = one_hop_route(node, 30_000)
    hop = route[0]
    path = [
        {
            "short_channel_id_dir": f"{hop['channel']}/{hop['direction']}",
            "next_node_id": hop["id"],
            "amount_msat": hop["amount_msat"],
            "delay": hop["delay"],
        }
    ]
    params = {"route": path, "payment_hash": inv["payment_hash"], "payment_secret": d["payment_secret"],
              "bolt11": inv["bolt11"], "amount_msat": 30_000}
    sent = check("sendpay", rpc_call(node, "sendpay", check_request("sendpay", params)))
    assert sent["status"] in ("pending", "complete")
    done = check("waitsendpay", node.waitsendpay(inv["payment_hash"]))
    assert done["status"] == "complete"


# BOLT 12 through the daemon: offers from the simulated receivers (`dev-simoffer`), invoices
# fetched over onion messages the link carries, paid through their blinded paths.


def simoffer(rpc, params):
    r = rpc_call(rpc, "dev-simoffer", params)
    assert r["offer"].startswith("lno1") and len(r["offer_id"]) == 64, r
    return r["offer"]


def far_nodes(rpc):
    """Nodes that are neither us nor our peers (an offer path or payment path introduced by
    our own node is skipped by the payer), most channels first."""
    me = rpc.getinfo()["id"]
    peers = {c["peer_id"] for c in rpc.call("listpeerchannels")["channels"]}
    degree = {}
    for c in rpc_call(rpc, "listchannels", {})["channels"]:
        degree.setdefault(c["source"], set()).add(c["destination"])
    far = [n for n in degree if n != me and n not in peers and me not in degree[n]]
    return sorted(far, key=lambda n: (-len(degree[n]), n))


def fetch(rpc, params):
    r = xcall(rpc, "fetchinvoice", params)
    assert r["invoice"].startswith("lni1"), r
    return r


def payinfo_max(rpc, lni):
    d = check("decode", rpc.decode(lni))
    assert d["type"] == "bolt12 invoice", d
    return [p["payinfo"]["htlc_maximum_msat"] for p in d["invoice_paths"]], d


def test_help_lists_fetchinvoice(node):
    assert "fetchinvoice" in [c["command"] for c in node.help()["help"]]


def test_fetchinvoice_then_xpay_and_pay_of_offers(node):
    payee = far_nodes(node)[0]
    offer = simoffer(node, {"node_id": payee, "amount_msat": 50_000, "description": "coffee"})
    f = fetch(node, {"offer": offer, "payer_note": "two sugars", "timeout": 30})
    assert f["changes"] == {}, f
    _, d = payinfo_max(node, f["invoice"])
    assert d["invoice_amount_msat"] == 50_000 and d["invreq_payer_note"] == "two sugars", d
    # The fetched invoice paid by xpay: its preimage is the invoice's.
    r = xcall(node, "xpay", {"invstring": f["invoice"]})
    assert r["amount_msat"] == 50_000 and r["successful_parts"] >= 1, r
    import hashlib
    assert hashlib.sha256(bytes.fromhex(r["payment_preimage"])).hexdigest() == d["invoice_payment_hash"]
    # Paid again: already paid.
    err = xerror(node, "xpay", {"invstring": f["invoice"]})
    assert err["code"] == 219, err
    # xpay of the offer fetches a new invoice and pays it, in one command.
    r = xcall(node, "xpay", {"invstring": offer, "payer_note": "no milk", "maxfee": 10_000})
    assert r["amount_msat"] == 50_000 and len(r["payment_preimage"]) == 64, r
    # pay of an offer, in pay's shape; listpays shows the fetched invoice.
    p = xcall(node, "pay", {"bolt11": offer, "label": "b12"})
    assert p["status"] == "complete" and p["amount_msat"] == 50_000, p
    pays = check("listpays", node.listpays(payment_hash=p["payment_hash"]))
    assert [x["status"] for x in pays["pays"]] == ["complete"], pays
    assert pays["pays"][0]["label"] == "b12" and pays["pays"][0]["bolt11"].startswith("lni1"), pays
    # An offer without amount: the amount goes to the invoice request.
    any_amount = simoffer(node, {"node_id": payee, "description": "tips", "blinded": False})
    assert "offer_issuer_id" in check("decode", node.decode(any_amount))
    r = xcall(node, "xpay", {"invstring": any_amount, "amount_msat": "21sat"})
    assert r["amount_msat"] == 21_000, r
    err = xerror(node, "xpay", {"invstring": any_amount})
    assert err["code"] == -32602 and "amount_msat" in err["message"], err


def split_candidate(rpc, skip=(), room=1.0):
    """A far node whose invoices carry three blinded payment paths with three introduction
    nodes, the largest below `room` times the last two together, and those paths' htlc maxima (from an
    invoice fetched for 1 sat, the best funded path first): the one with the smallest paths
    among the first far nodes, so a split stays within what the payer's routes carry."""
    best = None
    for payee in far_nodes(rpc)[:16]:
        if payee in skip:
            continue
        offer = simoffer(rpc, {"node_id": payee, "description": "probe", "payment_paths": 3})
        f = fetch(rpc, {"offer": offer, "amount_msat": 1000})
        maxima, d = payinfo_max(rpc, f["invoice"])
        intros = {p.get("first_node_id") for p in d["invoice_paths"]}
        if len(maxima) == 3 and len(intros) == 3 and max(maxima) < room * (maxima[1] + maxima[2]):
            if best is None or max(maxima) < max(best[1]):
                best = (payee, maxima)
    if best is None:
        pytest.fail("no far node has three payment paths a split can use")
    return best


def successful_intros(rpc, lni):
    st = rpc_call(rpc, "paystatus", {"bolt11": lni})["pay"]
    assert len(st) == 1, st
    done = [a for a in st[0]["attempts"] if "success" in a]
    failed = [a for a in st[0]["attempts"] if "failure" in a]
    return {a["route"][-1]["id"] for a in done}, done, failed


SPLIT_PAYEES = []


def test_xpay_splits_over_blinded_payment_paths(node):
    payee, maxima = split_candidate(node)
    SPLIT_PAYEES.append(payee)
    offer = simoffer(node, {"node_id": payee, "description": "split", "blinded": True, "payment_paths": 3})
    assert "offer_paths" in check("decode", node.decode(offer))
    # More than any one path takes, less than all of them.
    amount = max(maxima) + min(maxima) // 2
    assert amount < sum(maxima)
    f = fetch(node, {"offer": offer, "amount_msat": amount})
    again, _ = payinfo_max(node, f["invoice"])
    assert len(again) == 3 and max(again) < amount, (again, amount)
    r = xcall(node, "xpay", {"invstring": f["invoice"], "retry_for": 60})
    assert r["amount_msat"] == amount and r["successful_parts"] >= 2, r
    intros, done, _ = successful_intros(node, f["invoice"])
    assert len(done) >= 2 and len(intros) >= 2, (intros, done)
    parts = check("listsendpays", node.listsendpays(payment_hash=payinfo_max(node, f["invoice"])[1]["invoice_payment_hash"]))
    assert sum(p["amount_msat"] for p in parts["payments"] if p["status"] == "complete") == amount


def test_xpay_retries_a_failure_inside_a_blinded_path(node):
    # Receivers whose first (best funded) payment path fails past its introduction node once
    # the invoice is made: every xpay of their offers completes, and where a part went into
    # the failing path it failed there and the rest went through another path.
    me = node.getinfo()["id"]
    paid, with_failure = 0, []
    for payee in far_nodes(node):
        if payee in SPLIT_PAYEES or paid >= 6 or len(with_failure) >= 2:
            continue
        offer = simoffer(
            node, {"node_id": payee, "amount_msat": 5_000_000, "description": "broken", "payment_paths": 3, "fail_first_path": True}
        )
        f = fetch(node, {"offer": offer})
        _, d = payinfo_max(node, f["invoice"])
        intros = [p.get("first_node_id") for p in d["invoice_paths"]]
        if len(set(intros)) < 3 or me in intros:
            continue
        r = xcall(node, "xpay", {"invstring": f["invoice"], "retry_for": 60})
        assert r["amount_msat"] == 5_000_000 and r["successful_parts"] >= 1, r
        paid += 1
        intros_done, done, failed = successful_intros(node, f["invoice"])
        assert len(failed) == r["failed_parts"] and len(done) == r["successful_parts"], (r, failed)
        # A failure from inside a blinded path: its introduction node says so, and the pay
        # completed through another path.
        inside = [a for a in failed if a["failure"]["data"]["failcodename"] == "WIRE_INVALID_ONION_BLINDING"]
        if inside:
            assert not intros_done & {a["route"][-1]["id"] for a in inside}, (inside, done)
            with_failure.append(payee)
    assert len(with_failure) >= 1, f"no pay went into the failing path ({paid} paid)"


def test_fetchinvoice_errors(node):
    err = xerror(node, "fetchinvoice", {"offer": "lno1notanoffer"})
    assert err["code"] == -32602 and err["message"].startswith("offer: unparsable offer"), err
    err = xerror(node, "fetchinvoice", {"offer": "lnbc1garbage"})
    assert err["code"] == -32602, err
    payee = far_nodes(node)[0]
    offer = simoffer(node, {"node_id": payee, "description": "any amount"})
    err = xerror(node, "fetchinvoice", {"offer": offer})
    assert err["code"] == -32602 and "amount_msat" in err["message"], err
    err = xerror(node, "fetchinvoice", {"offer": offer, "amount_msat": 1000, "quantity": 2})
    assert err["code"] == -32602 and "quantity" in err["message"], err
    with pytest.raises(RpcError) as e:
        node.call("fetchinvoice", {"offer": offer, "recurrence_counter": 0, "amount_msat": 1})
    assert e.value.error["code"] == -32602
