//! The simulated chain: blocks mined on demand, funding outputs by short channel id, and the
//! UTXO lookups gossip makes against it.

use super::*;

/// The height of the simulated chain's first block, less one.
pub(super) const START_HEIGHT: u32 = 100_000;

/// The simulated chain: blocks mined on demand, and the funding outputs by short channel id.
#[derive(Debug)]
pub struct Chain {
    pub(super) tip: BlockHash,
    pub(super) height: u32,
    pub(super) outputs: RwLock<HashMap<u64, TxOut>>,
}

impl Chain {
    pub(super) fn new() -> Chain {
        // The chain starts high: LDK draws its scid aliases from heights well below the tip,
        // so real channel ids (at the tip) never collide with them.
        let genesis = bitcoin::constants::genesis_block(BtcNetwork::Regtest);
        Chain {
            tip: genesis.block_hash(),
            height: START_HEIGHT,
            outputs: RwLock::new(HashMap::new()),
        }
    }

    /// The best block.
    pub fn best_block(&self) -> BestBlock {
        BestBlock::new(self.tip, self.height)
    }

    /// A new block on the tip holding `txdata`; records every output's short channel id.
    pub(super) fn mine(&mut self, txdata: Vec<Transaction>) -> (Block, u32) {
        let height = self.height + 1;
        let mut block = Block {
            header: Header {
                version: Version::TWO,
                prev_blockhash: self.tip,
                merkle_root: TxMerkleNode::all_zeros(),
                time: now_secs() as u32,
                bits: CompactTarget::from_consensus(0x207f_ffff),
                nonce: height,
            },
            txdata,
        };
        if let Some(root) = block.compute_merkle_root() {
            block.header.merkle_root = root;
        }
        if let Ok(mut outputs) = self.outputs.write() {
            for (i, tx) in block.txdata.iter().enumerate() {
                for (vout, out) in tx.output.iter().enumerate() {
                    let scid = u64::from(height) << 40 | (i as u64) << 16 | vout as u64;
                    outputs.insert(scid, out.clone());
                }
            }
        }
        self.tip = block.block_hash();
        self.height = height;
        (block, height)
    }
}

/// Gossip's view of the chain: the funding output of a short channel id.
#[derive(Debug)]
pub struct ChainUtxos(pub(super) Arc<RwLock<Chain>>);

impl UtxoLookup for ChainUtxos {
    fn get_utxo(&self, _chain_hash: &bitcoin::constants::ChainHash, scid: u64) -> UtxoResult {
        let found = self
            .0
            .read()
            .ok()
            .and_then(|c| c.outputs.read().ok().and_then(|o| o.get(&scid).cloned()));
        UtxoResult::Sync(found.ok_or(UtxoLookupError::UnknownTx))
    }
}
