//! A MatMul + Add model (`Y = X·W + B`) written as ONNX protobuf by hand: no Python, no
//! protobuf crate, a few hundred bytes.
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

/// The model and the constants baked into it.
#[derive(Debug, Clone)]
pub struct Model {
    pub dims: Dims,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub bytes: Vec<u8>,
}

impl Model {
    /// Builds the model with deterministic weights.
    pub fn matmul_add(dims: Dims) -> Self {
        let weight: Vec<f32> = (0..dims.k * dims.n)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 64.0)
            .collect();
        let bias: Vec<f32> = (0..dims.n).map(|i| i as f32 / 8.0 - 1.0).collect();
        let bytes = model_proto(dims, &weight, &bias);
        Self {
            dims,
            weight,
            bias,
            bytes,
        }
    }

    /// Deterministic input `X`.
    pub fn input(&self) -> Vec<f32> {
        (0..self.dims.m * self.dims.k)
            .map(|i| ((i * 13 % 29) as f32 - 14.0) / 16.0)
            .collect()
    }

    /// `X·W + B` in f64, the reference for both providers.
    pub fn reference(&self, x: &[f32]) -> Vec<f64> {
        let Dims { m, k, n } = self.dims;
        let mut y = vec![0.0f64; m * n];
        for row in 0..m {
            for col in 0..n {
                let dot: f64 = (0..k)
                    .map(|i| f64::from(x[row * k + i]) * f64::from(self.weight[i * n + col]))
                    .sum();
                y[row * n + col] = dot + f64::from(self.bias[col]);
            }
        }
        y
    }
}

fn model_proto(dims: Dims, weight: &[f32], bias: &[f32]) -> Vec<u8> {
    let Dims { m, k, n } = dims;
    let mut graph = Vec::new();
    message(
        &mut graph,
        1,
        &node(&["X", "W"], &["XW"], "matmul", "MatMul"),
    );
    message(&mut graph, 1, &node(&["XW", "B"], &["Y"], "add", "Add"));
    string(&mut graph, 2, "megapak_matmul_add");
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
        let model = Model::matmul_add(Dims { m: 1, k: 1, n: 1 });
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
        assert_eq!(model.bytes.len(), 164);
    }

    #[test]
    fn the_reference_is_x_times_w_plus_b() {
        let model = Model::matmul_add(Dims { m: 2, k: 3, n: 2 });
        let x = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let y = model.reference(&x);
        // Row 0 picks W's row 0, row 1 picks W's row 1; plus the bias.
        let w = &model.weight;
        let b = &model.bias;
        let expected = [w[0] + b[0], w[1] + b[1], w[2] + b[0], w[3] + b[1]].map(f64::from);
        assert_eq!(y, expected);
    }
}
