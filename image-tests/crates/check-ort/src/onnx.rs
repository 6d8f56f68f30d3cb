//! A MatMul + Add + Tanh model (`Y = tanh(X·W + B)`) written as ONNX protobuf by hand: no
//! Python, no protobuf crate.
//!
//! The constants and the input are pseudo-random fp32 numbers with 24 significant bits, so every
//! product and every partial sum is rounded: two providers that sum in different orders (MLAS's
//! blocked kernels, cuBLAS's tiles) really differ, by rounding only, and the comparison in
//! [`crate::compare`] has something to judge.
//!
//! Field numbers from `onnx.proto`: ModelProto {1 ir_version, 2 producer_name, 7 graph,
//! 8 opset_import}; GraphProto {1 node, 2 name, 5 initializer, 11 input, 12 output}; NodeProto
//! {1 input, 2 output, 3 name, 4 op_type}; TensorProto {1 dims, 2 data_type, 8 name, 9 raw_data};
//! ValueInfoProto {1 name, 2 type}; TypeProto {1 tensor_type}; TypeProto.Tensor {1 elem_type,
//! 2 shape}; TensorShapeProto {1 dim}; Dimension {1 dim_value}; OperatorSetIdProto {1 domain,
//! 2 version}.

/// `TensorProto.DataType.FLOAT`.
const FLOAT: u64 = 1;
const IR_VERSION: u64 = 8;
const OPSET: u64 = 17;

/// The model's sizes: `X` is `m×k`, `W` is `k×n`, `B` is `n`, `Y` is `m×n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    pub m: usize,
    pub k: usize,
    pub n: usize,
}

/// The nodes that compute (MatMul, Add, Tanh): all of them must run on the provider asked for.
pub const COMPUTE_NODES: usize = 3;

/// The model and the constants baked into it.
#[derive(Debug, Clone)]
pub struct Model {
    pub dims: Dims,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub bytes: Vec<u8>,
}

impl Model {
    /// Builds the model with deterministic pseudo-random weights: `W` in `[-1, 1]/16` (so that
    /// `X·W + B` stays where tanh is not flat), `B` in `[-1, 1]/2`.
    pub fn build(dims: Dims) -> Self {
        let weight: Vec<f32> = (0..dims.k * dims.n).map(|i| uniform(1, i) / 16.0).collect();
        let bias: Vec<f32> = (0..dims.n).map(|i| uniform(2, i) / 2.0).collect();
        let bytes = model_proto(dims, &weight, &bias);
        Self {
            dims,
            weight,
            bias,
            bytes,
        }
    }

    /// Deterministic pseudo-random input `X` in `[-1, 1]`.
    pub fn input(&self) -> Vec<f32> {
        (0..self.dims.m * self.dims.k)
            .map(|i| uniform(3, i))
            .collect()
    }

    /// `tanh(X·W + B)` in f64, the reference for the CPU provider, with the size of each
    /// element's terms for the rounding bound.
    pub fn reference(&self, x: &[f32]) -> Reference {
        let Dims { m, k, n } = self.dims;
        let mut y = vec![0.0f64; m * n];
        let mut magnitude = vec![0.0f64; m * n];
        for row in 0..m {
            for col in 0..n {
                let terms =
                    (0..k).map(|i| f64::from(x[row * k + i]) * f64::from(self.weight[i * n + col]));
                let (dot, size) = terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
                let bias = f64::from(self.bias[col]);
                y[row * n + col] = (dot + bias).tanh();
                magnitude[row * n + col] = size + bias.abs();
            }
        }
        Reference { y, magnitude }
    }
}

/// The f64 result and, per element, `Σ|xᵢ·wᵢ| + |b|`: what fp32 rounding is proportional to.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub y: Vec<f64>,
    pub magnitude: Vec<f64>,
}

/// A pseudo-random number in `[-1, 1]` with 24 significant bits (exact in fp32), the same on
/// every machine: SplitMix64 of `(stream, index)`.
pub fn uniform(stream: u64, index: usize) -> f32 {
    let mut z = (stream << 32 ^ index as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    // The top 24 bits, 0 ..= 2²⁴ − 1, onto [-1, 1).
    ((z >> 40) as f64 / f64::from(1u32 << 23) - 1.0) as f32
}

fn model_proto(dims: Dims, weight: &[f32], bias: &[f32]) -> Vec<u8> {
    let Dims { m, k, n } = dims;
    let mut graph = Vec::new();
    message(
        &mut graph,
        1,
        &node(&["X", "W"], &["XW"], "matmul", "MatMul"),
    );
    message(&mut graph, 1, &node(&["XW", "B"], &["Z"], "add", "Add"));
    message(&mut graph, 1, &node(&["Z"], &["Y"], "tanh", "Tanh"));
    string(&mut graph, 2, "megapak_matmul_add_tanh");
    message(&mut graph, 5, &tensor("W", &[k, n], weight));
    message(&mut graph, 5, &tensor("B", &[n], bias));
    message(&mut graph, 11, &value_info("X", &[m, k]));
    message(&mut graph, 12, &value_info("Y", &[m, n]));

    let mut opset = Vec::new();
    string(&mut opset, 1, "");
    varint_field(&mut opset, 2, OPSET);

    let mut model = Vec::new();
    varint_field(&mut model, 1, IR_VERSION);
    string(&mut model, 2, "megapak");
    message(&mut model, 7, &graph);
    message(&mut model, 8, &opset);
    model
}

fn node(inputs: &[&str], outputs: &[&str], name: &str, op_type: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for input in inputs {
        string(&mut out, 1, input);
    }
    for output in outputs {
        string(&mut out, 2, output);
    }
    string(&mut out, 3, name);
    string(&mut out, 4, op_type);
    out
}

fn tensor(name: &str, dims: &[usize], data: &[f32]) -> Vec<u8> {
    let mut out = Vec::new();
    for &d in dims {
        varint_field(&mut out, 1, d as u64);
    }
    varint_field(&mut out, 2, FLOAT);
    string(&mut out, 8, name);
    let raw: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    bytes_field(&mut out, 9, &raw);
    out
}

fn value_info(name: &str, dims: &[usize]) -> Vec<u8> {
    let mut shape = Vec::new();
    for &d in dims {
        let mut dim = Vec::new();
        varint_field(&mut dim, 1, d as u64);
        message(&mut shape, 1, &dim);
    }
    let mut tensor_type = Vec::new();
    varint_field(&mut tensor_type, 1, FLOAT);
    message(&mut tensor_type, 2, &shape);
    let mut type_proto = Vec::new();
    message(&mut type_proto, 1, &tensor_type);
    let mut out = Vec::new();
    string(&mut out, 1, name);
    message(&mut out, 2, &type_proto);
    out
}

// ---- protobuf wire format --------------------------------------------------------------------

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7F) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
    varint(out, field << 3); // wire type 0
    varint(out, value);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, (field << 3) | 2); // wire type 2: length-delimited
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn string(out: &mut Vec<u8>, field: u64, text: &str) {
    bytes_field(out, field, text.as_bytes());
}

fn message(out: &mut Vec<u8>, field: u64, body: &[u8]) {
    bytes_field(out, field, body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_little_endian_base_128() {
        let mut out = Vec::new();
        varint(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
    }

    #[test]
    fn the_smallest_model_encodes_exactly() {
        let model = Model::build(Dims { m: 1, k: 1, n: 1 });
        // ir_version 8, producer "megapak", then the graph.
        assert_eq!(
            &model.bytes[..11],
            &[0x08, 8, 0x12, 7, b'm', b'e', b'g', b'a', b'p', b'a', b'k']
        );
        // The opset import closes the model: field 8, {domain "", version 17}.
        assert_eq!(
            &model.bytes[model.bytes.len() - 6..],
            &[0x42, 4, 0x0A, 0, 0x10, 17]
        );
        assert_eq!(model.bytes.len(), 189);
    }

    #[test]
    fn inputs_are_deterministic_spread_and_need_rounding() {
        let values: Vec<f32> = (0..4096).map(|i| uniform(3, i)).collect();
        assert_eq!(values, (0..4096).map(|i| uniform(3, i)).collect::<Vec<_>>());
        assert!(values.iter().all(|v| (-1.0..1.0).contains(v)));
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / 4096.0;
        assert!(mean.abs() < 0.05, "mean {mean}");
        // Most products of two such numbers are not exact in fp32.
        let inexact = values
            .windows(2)
            .filter(|w| f64::from(w[0] * w[1]) != f64::from(w[0]) * f64::from(w[1]))
            .count();
        assert!(inexact > 3000, "{inexact} of 4095 products were rounded");
    }

    #[test]
    fn the_reference_is_tanh_of_x_times_w_plus_b() {
        let model = Model::build(Dims { m: 2, k: 3, n: 2 });
        let x = [1.0, 0.0, 0.0, 0.0, -1.0, 0.0];
        let r = model.reference(&x);
        // Row 0 picks W's row 0, row 1 minus W's row 1; plus the bias.
        let w = model
            .weight
            .iter()
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>();
        let b = model.bias.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
        let expected = [w[0] + b[0], w[1] + b[1], -w[2] + b[0], -w[3] + b[1]].map(f64::tanh);
        assert_eq!(r.y, expected);
        assert_eq!(r.magnitude[2], w[2].abs() + b[0].abs());
    }
}
