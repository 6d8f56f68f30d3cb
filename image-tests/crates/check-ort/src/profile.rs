//! Where onnxruntime really ran each node, read from its profile.
//!
//! Disabling CPU fallback only makes onnxruntime refuse a session that places a node on the
//! CPU; the profile shows where each node then ran. `SessionOptions::EnableProfiling` writes a
//! Chrome trace: a JSON array of events. onnxruntime 1.31 writes, per node and run, one
//! `"cat": "Node"` event named `<node>_kernel_time` whose `args` hold `op_name`, `provider`
//! (`CPUExecutionProvider`, `CUDAExecutionProvider`, ...), `node_index`, the shapes and memory
//! figures (older releases added `<node>_fence_before`/`_fence_after` events without a
//! provider). Session events (`model_loading_array`, `session_initialization`, `model_run`,
//! `SequentialExecutor::Execute`) have `"cat": "Session"`, and builds with CUPTI tracing add
//! `"cat": "Kernel"` events for GPU kernels; neither names a node, so both are ignored here.
//! `tests/fixtures/profile_cpu_1.31.1.json` is what PyPI's onnxruntime 1.31.1 wrote for this
//! crate's model (two runs).
//!
//! # The rule
//!
//! A node counts once however many runs the profile holds. Nodes whose operator is a copy
//! between devices (`MemcpyFromHost`, `MemcpyToHost`, which onnxruntime inserts where a tensor
//! crosses providers) are transfers, counted apart: they may be on either side. Every other node
//! is compute and counts for its provider: a pass needs every compute node of the model on CUDA
//! and none anywhere else.

use std::collections::BTreeMap;

use serde_json::Value;

/// The provider a GPU pass needs.
pub const CUDA: &str = "CUDAExecutionProvider";

/// Nodes of one profile by where they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeCounts {
    /// Compute nodes on [`CUDA`].
    pub cuda: usize,
    /// Compute nodes on the CPU provider.
    pub cpu: usize,
    /// Compute nodes on any other provider (TensorRT, ...), by provider.
    pub other: BTreeMap<String, usize>,
    /// Copies between devices, on whichever provider.
    pub transfers: usize,
    /// The compute nodes not on the provider asked for: `name (op on provider)`.
    pub elsewhere: Vec<String>,
}

impl NodeCounts {
    /// Compute nodes on `provider`.
    pub fn on(&self, provider: &str) -> usize {
        match provider {
            CUDA => self.cuda,
            "CPUExecutionProvider" => self.cpu,
            other => self.other.get(other).copied().unwrap_or(0),
        }
    }

    /// Compute nodes anywhere.
    pub fn compute(&self) -> usize {
        self.cuda + self.cpu + self.other.values().sum::<usize>()
    }
}

/// A profile that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("the profile is not JSON: {0}")]
    NotJson(String),
    #[error("the profile is not a JSON array of events")]
    NotAnArray,
}

/// Counts the nodes of `profile` (the JSON text) by provider; `expected` is the provider every
/// compute node should be on (for [`NodeCounts::elsewhere`]).
pub fn count_nodes(profile: &str, expected: &str) -> Result<NodeCounts, ProfileError> {
    let events: Value =
        serde_json::from_str(profile).map_err(|e| ProfileError::NotJson(e.to_string()))?;
    // Some writers wrap the array as `{"traceEvents": [...]}` (the Chrome trace object form).
    let events = match &events {
        Value::Array(list) => list,
        Value::Object(map) => match map.get("traceEvents") {
            Some(Value::Array(list)) => list,
            _ => return Err(ProfileError::NotAnArray),
        },
        _ => return Err(ProfileError::NotAnArray),
    };
    // node name → (op, provider), the first run's.
    let mut nodes: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for event in events {
        if event["cat"] != "Node" {
            continue;
        }
        let Some(node) = event["name"]
            .as_str()
            .and_then(|n| n.strip_suffix("_kernel_time"))
        else {
            continue;
        };
        let args = &event["args"];
        let op = args["op_name"].as_str().unwrap_or("?");
        let provider = args["provider"].as_str().unwrap_or("unknown provider");
        nodes.entry(node).or_insert((op, provider));
    }
    let mut counts = NodeCounts::default();
    for (node, (op, provider)) in nodes {
        if op.starts_with("Memcpy") {
            counts.transfers += 1;
            continue;
        }
        match provider {
            CUDA => counts.cuda += 1,
            "CPUExecutionProvider" => counts.cpu += 1,
            other => *counts.other.entry(other.to_owned()).or_default() += 1,
        }
        if provider != expected {
            counts
                .elsewhere
                .push(format!("{node} ({op} on {provider})"));
        }
    }
    Ok(counts)
}

/// Whether a profile proves the model ran on `provider`: at least `compute_nodes` compute nodes
/// there and none elsewhere. `Err` says what is wrong.
pub fn judge(counts: &NodeCounts, provider: &str, compute_nodes: usize) -> Result<(), String> {
    if !counts.elsewhere.is_empty() {
        return Err(format!(
            "the profile shows {} of the model's nodes off `{provider}`: {}",
            counts.elsewhere.len(),
            counts.elsewhere.join(", ")
        ));
    }
    let on = counts.on(provider);
    if on < compute_nodes {
        return Err(format!(
            "the profile shows {on} nodes on `{provider}`, the model has {compute_nodes}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CUDA profile in the layout of the real CPU one below (providers changed, CPU thread
    /// statistics dropped), with a host-to-device copy in front of MatMul and a CUPTI kernel
    /// event: two runs of MatMul + Add + Tanh.
    const CUDA_PROFILE: &str = include_str!("../tests/fixtures/profile_cuda.json");
    /// The same model where the CUDA provider took only MatMul and Tanh ran on the CPU.
    const FALLBACK_PROFILE: &str = include_str!("../tests/fixtures/profile_fallback.json");
    /// What onnxruntime 1.31.1 (PyPI, CPU) wrote for this crate's model.
    const CPU_PROFILE: &str = include_str!("../tests/fixtures/profile_cpu_1.31.1.json");

    #[test]
    fn a_cuda_profile_counts_each_node_once_and_copies_apart() {
        let counts = count_nodes(CUDA_PROFILE, CUDA).unwrap();
        assert_eq!(counts.cuda, 3, "{counts:?}");
        assert_eq!(counts.cpu, 0);
        assert_eq!(counts.transfers, 1);
        assert!(counts.elsewhere.is_empty());
        assert_eq!(judge(&counts, CUDA, 3), Ok(()));
    }

    #[test]
    fn a_node_on_the_cpu_fails_the_judgement() {
        let counts = count_nodes(FALLBACK_PROFILE, CUDA).unwrap();
        assert_eq!((counts.cuda, counts.cpu), (2, 1), "{counts:?}");
        let err = judge(&counts, CUDA, 3).unwrap_err();
        assert!(err.contains("tanh (Tanh on CPUExecutionProvider)"), "{err}");
    }

    #[test]
    fn onnxruntimes_real_cpu_profile_shows_no_cuda() {
        let counts = count_nodes(CPU_PROFILE, CUDA).unwrap();
        assert_eq!(counts.cuda, 0);
        assert_eq!(counts.cpu, 3, "{counts:?}");
        assert!(judge(&counts, CUDA, 3).is_err());
        let on_cpu = count_nodes(CPU_PROFILE, "CPUExecutionProvider").unwrap();
        assert_eq!(judge(&on_cpu, "CPUExecutionProvider", 3), Ok(()));
    }

    #[test]
    fn too_few_nodes_and_broken_profiles_are_named() {
        let counts = count_nodes("[]", CUDA).unwrap();
        assert_eq!(
            judge(&counts, CUDA, 3).unwrap_err(),
            "the profile shows 0 nodes on `CUDAExecutionProvider`, the model has 3"
        );
        assert!(matches!(
            count_nodes("[{\"cat\": \"Node\"", CUDA),
            Err(ProfileError::NotJson(_))
        ));
        assert_eq!(count_nodes("{}", CUDA), Err(ProfileError::NotAnArray));
        let wrapped = format!("{{\"traceEvents\": {CUDA_PROFILE}}}");
        assert_eq!(count_nodes(&wrapped, CUDA).unwrap().cuda, 3);
    }
}
