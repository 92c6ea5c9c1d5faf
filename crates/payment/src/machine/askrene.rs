//! askrene's layers and `getroutes`: named layers kept in the machine (the persistent ones
//! persisted as [`Record::Layer`]), reservations, the learned knowledge as the persistent
//! layer `xpay` (each change persisted as [`Record::Learned`]), and the routing view a set of
//! layers gives, which `getroutes` and `pay` route over.

use super::{Action, Machine};
use crate::error::{AskreneError, GetroutesError};
use crate::record::Record;
use crate::replies::{AskreneReply, Routes};
use crate::requests::{AskreneCommand, GetroutesRequest};
use route::flow::{self, FlowError, FlowParams};
use route::graph::Graph;
use route::knowledge::{Knowledge, KnowledgeSnapshot};
use route::layer::LEARNED_LAYER;
use route::layer::{self, Constraint, Impression, Inform, Layer, AUTO_LOCALCHANS, AUTO_SOURCEFREE};
use std::sync::Arc;
use types::{Hop, Msat, ShortChannelIdDir};

/// The most blocks of delay a route may have.
const MAX_DELAY: u32 = 2016;

/// What routing through a set of layers sees.
pub(super) struct View {
    pub(super) graph: Arc<Graph>,
    pub(super) snap: KnowledgeSnapshot,
    pub(super) biases: Vec<(ShortChannelIdDir, i64)>,
    /// `auto.localchans` asked for.
    pub(super) localchans: bool,
}

fn automatic(name: &str) -> bool {
    name.starts_with("auto.")
}

impl Machine {
    /// The layer `name`, for a change: unknown and automatic ones refused.
    fn layer_mut(&mut self, name: &str) -> Result<&mut Layer, AskreneError> {
        if automatic(name) {
            return Err(AskreneError::AutomaticLayer { layer: name.to_string() });
        }
        self.layers.get_mut(name).ok_or_else(|| AskreneError::UnknownLayer { layer: name.into() })
    }

    /// Persists layer `name` when it is persistent.
    fn persist_layer(&mut self, name: &str) {
        if let Some(l) = self.layers.get(name).filter(|l| l.persistent) {
            self.actions.push(Action::Persist(Record::Layer(l.clone())));
        }
    }

    /// Persists what is learned of `c` (the learned layer).
    fn persist_channel(&mut self, c: ShortChannelIdDir) {
        let learned = self.knowledge.learned(c);
        self.actions.push(Action::Persist(Record::Learned { channel: c, learned }));
    }

    /// Persists what the outcome of a part over `hops` taught.
    pub(super) fn persist_learned(&mut self, hops: &[Hop]) {
        for h in hops {
            self.persist_channel(h.channel_dir());
        }
    }

    /// A layer from the store.
    pub(super) fn restore_layer(&mut self, l: Layer) {
        self.layers.insert(l.name.clone(), l);
    }

    /// The layer `name` as listed: the learned one with what it learned as constraints.
    fn layer_listed(&self, l: &Layer) -> Layer {
        let mut l = l.clone();
        if l.name == LEARNED_LAYER {
            l.constraints = self
                .knowledge
                .learned_all()
                .into_iter()
                .map(|(channel, k)| Constraint {
                    channel,
                    timestamp: k.learned_at,
                    min: (k.min.0 > 0).then_some(k.min),
                    max: k.max,
                })
                .collect();
        }
        l
    }

    pub(super) fn askrene(
        &mut self,
        cmd: AskreneCommand,
        now_ms: u64,
    ) -> Result<AskreneReply, AskreneError> {
        let now = now_ms / 1000;
        match cmd {
            AskreneCommand::CreateLayer { layer, persistent } => {
                if automatic(&layer) {
                    return Err(AskreneError::AutomaticLayer { layer });
                }
                match self.layers.get_mut(&layer) {
                    Some(l) if persistent => l.persistent = true,
                    Some(_) => return Err(AskreneError::LayerExists { layer }),
                    None => {
                        self.layers.insert(layer.clone(), Layer::new(layer.clone(), persistent));
                    }
                }
                self.persist_layer(&layer);
                let l = self.layers.get(&layer).map(|l| self.layer_listed(l));
                Ok(AskreneReply::Layers(l.into_iter().collect()))
            }
            AskreneCommand::RemoveLayer { layer } => {
                let l = self.layer_mut(&layer)?.clone();
                if layer == LEARNED_LAYER {
                    // The learned layer always exists: removing it forgets what it learned.
                    for (c, _) in self.knowledge.learned_all() {
                        self.knowledge.forget(c);
                        self.persist_channel(c);
                    }
                    self.layers.insert(layer.clone(), Layer::new(layer.clone(), true));
                    self.persist_layer(&layer);
                } else {
                    self.layers.remove(&layer);
                    if l.persistent {
                        self.actions.push(Action::Persist(Record::LayerRemoved(layer)));
                    }
                }
                Ok(AskreneReply::Done)
            }
            AskreneCommand::ListLayers { layer } => {
                let list: Vec<Layer> = match layer {
                    Some(name) => {
                        let l = self
                            .layers
                            .get(&name)
                            .ok_or(AskreneError::UnknownLayer { layer: name })?;
                        vec![self.layer_listed(l)]
                    }
                    None => self.layers.values().map(|l| self.layer_listed(l)).collect(),
                };
                Ok(AskreneReply::Layers(list))
            }
            AskreneCommand::CreateChannel { layer, channel } => {
                self.layer_mut(&layer)?
                    .create_channel(channel)
                    .map_err(AskreneError::CreateChannel)?;
                self.persist_layer(&layer);
                Ok(AskreneReply::Done)
            }
            AskreneCommand::UpdateChannel { layer, channel, patch } => {
                self.layer_mut(&layer)?.update_channel(channel, patch);
                self.persist_layer(&layer);
                Ok(AskreneReply::Done)
            }
            AskreneCommand::RemoveChannelUpdate { layer, channel } => {
                self.layer_mut(&layer)?
                    .remove_channel_update(channel)
                    .map_err(AskreneError::RemoveUpdate)?;
                self.persist_layer(&layer);
                Ok(AskreneReply::Done)
            }
            AskreneCommand::InformChannel { layer, channel, amount, inform } => {
                self.layer_mut(&layer)?;
                if layer == LEARNED_LAYER {
                    return Ok(self.inform_learned(channel, amount, inform, now));
                }
                let c = self.layer_mut(&layer)?.inform(channel, amount, inform, now);
                self.persist_layer(&layer);
                Ok(if inform == Inform::Succeeded {
                    AskreneReply::Informed {
                        layer,
                        constraint: None,
                        impression: Some(Impression { channel, timestamp: now, amount }),
                    }
                } else {
                    AskreneReply::Informed { layer, constraint: Some(c), impression: None }
                })
            }
            AskreneCommand::DisableNode { layer, node } => {
                self.layer_mut(&layer)?.disable_node(node);
                self.persist_layer(&layer);
                Ok(AskreneReply::Done)
            }
            AskreneCommand::BiasChannel { layer, channel, bias, description, relative } => {
                let b = self
                    .layer_mut(&layer)?
                    .bias_channel(channel, bias, description, relative, now)
                    .map_err(AskreneError::Bias)?;
                self.persist_layer(&layer);
                Ok(AskreneReply::ChannelBias { layer, bias: b })
            }
            AskreneCommand::BiasNode { layer, node, side, bias, description, relative } => {
                let b = self
                    .layer_mut(&layer)?
                    .bias_node(node, side, bias, description, relative, now)
                    .map_err(AskreneError::Bias)?;
                self.persist_layer(&layer);
                Ok(AskreneReply::NodeBias { layer, bias: b })
            }
            AskreneCommand::Reserve { path, command_id } => {
                self.reservations.reserve(&path, &command_id, now);
                Ok(AskreneReply::Done)
            }
            AskreneCommand::Unreserve { path } => {
                self.reservations.unreserve(&path).map_err(AskreneError::Unreserve)?;
                Ok(AskreneReply::Done)
            }
            AskreneCommand::ListReservations => Ok(AskreneReply::Reservations {
                reservations: self.reservations.list().to_vec(),
                now,
            }),
            AskreneCommand::Age { layer, cutoff } => {
                let n = if layer == LEARNED_LAYER {
                    let old = self.knowledge.forget_before(cutoff);
                    for c in &old {
                        self.persist_channel(*c);
                    }
                    old.len()
                } else {
                    let n = self.layer_mut(&layer)?.age(cutoff);
                    self.persist_layer(&layer);
                    n
                };
                Ok(AskreneReply::Aged { layer, num_removed: n as u64 })
            }
        }
    }

    /// `inform-channel` on the learned layer: into the knowledge, persisted.
    fn inform_learned(
        &mut self,
        channel: ShortChannelIdDir,
        amount: Msat,
        inform: Inform,
        now: u64,
    ) -> AskreneReply {
        let cap = self
            .graph
            .edge_of(channel.scid, channel.direction)
            .and_then(|e| self.graph.edge(e))
            .map(|e| Msat(route::knowledge::edge_capacity(&self.graph, e)));
        match inform {
            Inform::Constrained => self.knowledge.learn_less_than(channel, amount, cap, now),
            Inform::Unconstrained | Inform::Succeeded => {
                self.knowledge.learn_at_least(channel, amount, cap, now)
            }
        }
        self.persist_channel(channel);
        let layer = LEARNED_LAYER.to_string();
        if inform == Inform::Succeeded {
            let impression = Some(Impression { channel, timestamp: now, amount });
            return AskreneReply::Informed { layer, constraint: None, impression };
        }
        let k = self.knowledge.learned(channel);
        let constraint = Constraint {
            channel,
            timestamp: now,
            min: k.map(|k| k.min).filter(|m| m.0 > 0),
            max: k.and_then(|k| k.max),
        };
        AskreneReply::Informed { layer, constraint: Some(constraint), impression: None }
    }

    /// What routing through the layers `names` sees at `now` (seconds): the learned layer's
    /// knowledge only when `xpay` is among them or `learned` is set. Err: an unknown name.
    pub(super) fn view(&self, names: &[String], learned: bool, now: u64) -> Result<View, String> {
        let mut layers: Vec<&Layer> = Vec::new();
        let mut localchans = false;
        let mut use_learned = learned;
        for n in names {
            match n.as_str() {
                AUTO_LOCALCHANS => localchans = true,
                // The payer's own channels never charge it fees or delay.
                AUTO_SOURCEFREE => {}
                _ => {
                    let l = self.layers.get(n).ok_or_else(|| n.clone())?;
                    use_learned |= n == LEARNED_LAYER;
                    layers.push(l);
                }
            }
        }
        if use_learned && !layers.iter().any(|l| l.name == LEARNED_LAYER) {
            if let Some(l) = self.layers.get(LEARNED_LAYER) {
                layers.push(l);
            }
        }
        let graph = layer::overlay_graph(&self.graph, &layers);
        let mut snap = if use_learned {
            self.knowledge.snapshot(&graph, now)
        } else {
            Knowledge::new(*self.knowledge.config()).snapshot(&graph, now)
        };
        layer::apply_to_snapshot(&graph, &mut snap, &layers, &self.reservations);
        let biases = layer::biases(&graph, &layers);
        Ok(View { graph, snap, biases, localchans })
    }

    pub(super) fn getroutes(
        &self,
        r: GetroutesRequest,
        now_ms: u64,
    ) -> Result<Routes, GetroutesError> {
        let maxdelay = r.maxdelay.unwrap_or(MAX_DELAY);
        if maxdelay > MAX_DELAY || r.final_cltv > maxdelay {
            return Err(GetroutesError::BadDelay { maxdelay, final_cltv: r.final_cltv });
        }
        let v = self
            .view(&r.layers, false, now_ms / 1000)
            .map_err(|layer| GetroutesError::UnknownLayer { layer })?;
        let mut p = FlowParams::new(r.source, r.destination, r.amount_msat);
        p.final_cltv = r.final_cltv;
        p.max_fee = r.maxfee_msat;
        p.max_delay = maxdelay;
        p.max_parts = r.maxparts.map_or(100, |m| m as usize).max(1);
        p.biases = v.biases;
        if v.localchans && r.source == self.cfg.node_id {
            p.first_hops = self.first_hops.clone();
        }
        let f = flow::flow(&v.graph, &v.snap, &p).map_err(GetroutesError::Flow)?;
        if f.fee > r.maxfee_msat {
            let e = FlowError::TooExpensive { fee: f.fee, max_fee: r.maxfee_msat };
            return Err(GetroutesError::Flow(e));
        }
        if f.parts.len() > p.max_parts
            || f.parts.iter().any(|x| x.hops.first().is_some_and(|h| h.delay > maxdelay))
        {
            let e =
                FlowError::InsufficientLiquidity { amount: r.amount_msat, deliverable: Msat(0) };
            return Err(GetroutesError::Flow(e));
        }
        Ok(Routes { source: r.source, final_cltv: r.final_cltv, flow: f })
    }
}
