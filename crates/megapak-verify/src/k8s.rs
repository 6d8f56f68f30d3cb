//! A Kubernetes Job that runs the image's harness on a GPU node: for teams that verify images
//! on a fleet of GPU runners (`kubectl apply -f job.yaml`, then `kubectl logs -f job/NAME` and
//! the Job's status).

use crate::container::IMAGE_HARNESS;

/// The most characters of the image's name in a Job's name: 63 (DNS-1123), less
/// `megapak-verify-` and `-` with the hash's 8.
const MAX_SLUG: usize = 63 - "megapak-verify-".len() - 1 - 8;

/// The Job's name for `image`: `megapak-verify-<repository>-<tag>-<hash>`, as DNS-1123 allows
/// (lower case, digits and `-`, at most 63 characters). The hash is of the whole reference, so
/// that `a/img:1` and `b/img:1`, or two digests of one image, get Jobs of their own.
pub fn job_name(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let lowered: String = last
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut slug = lowered
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    slug.truncate(MAX_SLUG);
    let slug = slug.trim_end_matches('-');
    let hash = short_hash(image);
    if slug.is_empty() {
        format!("megapak-verify-{hash}")
    } else {
        format!("megapak-verify-{slug}-{hash}")
    }
}

/// 8 hex digits of the 64-bit FNV-1a hash of `text`, its two halves folded together: stable
/// across releases and machines, unlike `std`'s hasher.
fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:08x}", (hash >> 32) ^ (hash & 0xffff_ffff))
}

/// What a Job asks of the cluster besides one GPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOptions {
    /// `runtimeClassName` of the pod: k3s and RKE2 give the NVIDIA runtime a class of its own
    /// (`nvidia`), and a GPU pod without it starts with no GPU.
    pub runtime_class: Option<String>,
    /// The CPU request (a Kubernetes quantity: `2`, `500m`).
    pub cpu: String,
    /// The memory request and limit (a Kubernetes quantity: `8Gi`): libtorch, cuDNN and
    /// onnxruntime's CUDA provider take a few GiB of host memory.
    pub memory: String,
    /// The image's CUDA major, set as `MEGAPAK_CUDA_MAJOR` in the container.
    pub cuda_major: Option<u32>,
}

impl Default for JobOptions {
    fn default() -> Self {
        Self {
            runtime_class: None,
            cpu: "2".to_owned(),
            memory: "8Gi".to_owned(),
            cuda_major: None,
        }
    }
}

/// A value `JobOptions` cannot carry into a Job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what}")]
pub struct InvalidJobOption {
    /// What it should have been: `RuntimeClass name`, `CPU quantity`, `memory quantity`.
    pub what: &'static str,
    /// What was given.
    pub value: String,
}

impl megapak_types::Hint for InvalidJobOption {
    fn hint(&self) -> Option<String> {
        Some(match self.what {
            "RuntimeClass name" => {
                "a RuntimeClass name is lower-case letters, digits, `-` and `.`: `kubectl get runtimeclass` lists them".to_owned()
            }
            _ => "a Kubernetes quantity is a number with an optional unit: `2`, `500m`, `8Gi`".to_owned(),
        })
    }
}

impl JobOptions {
    /// Checks every value before it goes into YAML: a name or quantity that is not one would
    /// make `kubectl apply` fail, or worse, inject YAML.
    pub fn check(&self) -> Result<(), InvalidJobOption> {
        if let Some(class) = &self.runtime_class
            && !is_dns_subdomain(class)
        {
            return Err(InvalidJobOption {
                what: "RuntimeClass name",
                value: class.clone(),
            });
        }
        for (what, value) in [
            ("CPU quantity", &self.cpu),
            ("memory quantity", &self.memory),
        ] {
            if !is_quantity(value) {
                return Err(InvalidJobOption {
                    what,
                    value: value.clone(),
                });
            }
        }
        Ok(())
    }
}

/// A DNS subdomain name (RFC 1123): at most 253 characters, lower-case letters, digits, `-`
/// and `.`, starting and ending with a letter or digit.
fn is_dns_subdomain(name: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    name.len() <= 253
        && edge_ok(name.chars().next())
        && edge_ok(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

/// A Kubernetes quantity as people write them: digits, an optional fraction, an optional
/// suffix (`m`, `k`, `M`, `G`, `T`, `Ki`, `Mi`, `Gi`, `Ti`).
fn is_quantity(text: &str) -> bool {
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(number_end);
    let number_ok = !number.is_empty()
        && !number.starts_with('.')
        && !number.ends_with('.')
        && number.matches('.').count() <= 1;
    number_ok && ["", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"].contains(&suffix)
}

/// The Job as YAML. One GPU (`nvidia.com/gpu: 1`), the CPU and memory of `options`, its
/// RuntimeClass if any, no retries, the report on the pod's log. `options` must have passed
/// [`JobOptions::check`].
pub fn job(image: &str, harness_args: &[String], options: &JobOptions) -> String {
    let name = job_name(image);
    let command = std::iter::once(IMAGE_HARNESS.to_owned())
        .chain(harness_args.iter().cloned())
        .map(|a| json_string(&a))
        .collect::<Vec<_>>()
        .join(", ");
    let image = json_string(image);
    let runtime_class = options
        .runtime_class
        .as_deref()
        .map(|class| format!("      runtimeClassName: {}\n", json_string(class)))
        .unwrap_or_default();
    let env = options
        .cuda_major
        .map(|major| {
            let (name, value) = crate::cuda_major::var(major);
            format!(
                "          env:\n            - name: {}\n              value: {}\n",
                json_string(&name),
                json_string(&value)
            )
        })
        .unwrap_or_default();
    let cpu = json_string(&options.cpu);
    let memory = json_string(&options.memory);
    format!(
        "\
# Runs megapak's GPU harness in the image on one GPU:
#   kubectl apply -f THIS_FILE
# Its pod runs once the image is pulled (a while), then follow the run to its end:
#   kubectl get pods -l job-name={name}
#   kubectl logs -f job/{name}
# The Job's status says `Complete` when every check passed, `Failed` when not:
#   kubectl get job/{name} -o jsonpath='{{.status.conditions[?(@.status==\"True\")].type}}'
# The log is the JSON report, then one line per check that did not pass (the harness's stderr);
# the report alone:
#   kubectl logs job/{name} | sed -n '/^{{/,/^}}/p'
# (`kubectl wait --for=condition=complete` would wait out its whole timeout on a failed Job.)
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: megapak-verify
    app.kubernetes.io/managed-by: megapak
spec:
  backoffLimit: 0
  # Counted from the Job's start: room to pull an image of several GB; the checks themselves
  # take a few minutes at most (each is killed after 120 s).
  activeDeadlineSeconds: 1800
  ttlSecondsAfterFinished: 86400
  template:
    metadata:
      labels:
        app.kubernetes.io/name: megapak-verify
    spec:
      restartPolicy: Never
{runtime_class}      containers:
        - name: harness
          image: {image}
          # A rebuilt tag must not run as the node's cached image.
          imagePullPolicy: Always
          command: [{command}]
{env}          resources:
            requests:
              cpu: {cpu}
              memory: {memory}
            limits:
              memory: {memory}
              nvidia.com/gpu: 1
          volumeMounts:
            # The harness keeps its GPU lock in the temporary folder; the image may have no `/tmp`
            # or a read-only root.
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {{}}
      tolerations:
        - key: nvidia.com/gpu
          operator: Exists
          effect: NoSchedule
"
    )
}

/// A double-quoted YAML scalar (JSON strings are valid YAML).
fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_dns_label(name: &str) -> bool {
        name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-')
    }

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(
            job_name("ghcr.io/acme/ComfyUI_megapak:2025.11"),
            format!(
                "megapak-verify-comfyui-megapak-2025-11-{}",
                short_hash("ghcr.io/acme/ComfyUI_megapak:2025.11")
            )
        );
        for image in [
            "registry:5000/x/img@sha256:abc".to_owned(),
            format!("img:{}", "t".repeat(80)),
            format!("img:{}_x", "t".repeat(MAX_SLUG - 5)),
            "@sha256:abc".to_owned(),
        ] {
            let name = job_name(&image);
            assert!(is_dns_label(&name), "{image}: {name}");
            assert!(name.ends_with(&short_hash(&image)), "{image}: {name}");
        }
    }

    #[test]
    fn every_image_reference_gets_its_own_name() {
        let names = [
            "img@sha256:aaaa",
            "img@sha256:bbbb",
            "a/img:1",
            "b/img:1",
            "registry.example/a/img:1",
        ]
        .map(job_name);
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(job_name("a/img:1"), job_name("a/img:1"), "stable");
    }

    #[test]
    fn the_hash_is_fnv_1a() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c.
        assert_eq!(
            short_hash("a"),
            format!("{:08x}", 0xaf63_dc4c_u64 ^ 0x8601_ec8c)
        );
    }

    #[test]
    fn the_job_asks_for_one_gpu() {
        insta::assert_snapshot!(job(
            "ghcr.io/acme/comfyui-megapak:2025.11",
            &crate::smoke_args(),
            &JobOptions::default()
        ));
    }

    #[test]
    fn a_runtime_class_and_resources_go_into_the_pod() {
        let options = JobOptions {
            runtime_class: Some("nvidia".to_owned()),
            cpu: "500m".to_owned(),
            memory: "12Gi".to_owned(),
            cuda_major: Some(13),
        };
        options.check().unwrap();
        let yaml = job("img:1", &[], &options);
        assert!(
            yaml.contains("      runtimeClassName: \"nvidia\"\n      containers:"),
            "{yaml}"
        );
        assert!(
            yaml.contains("requests:\n              cpu: \"500m\"\n              memory: \"12Gi\""),
            "{yaml}"
        );
        assert!(
            yaml.contains(
                "limits:\n              memory: \"12Gi\"\n              nvidia.com/gpu: 1"
            ),
            "{yaml}"
        );
        assert!(
            yaml.contains(
                "command: [\"megapak-smoke\"]\n          env:\n            - name: \"MEGAPAK_CUDA_MAJOR\"\n              value: \"13\"\n          resources:"
            ),
            "{yaml}"
        );
        let plain = job("img:1", &[], &JobOptions::default());
        assert!(!plain.contains("runtimeClassName"));
        assert!(!plain.contains("env:"), "{plain}");
    }

    #[test]
    fn names_and_quantities_that_are_not_are_refused() {
        let refused = |options: JobOptions| options.check().unwrap_err().to_string();
        let class = |name: &str| JobOptions {
            runtime_class: Some(name.to_owned()),
            ..JobOptions::default()
        };
        assert_eq!(
            refused(class("Nvidia")),
            "`Nvidia` is not a valid RuntimeClass name"
        );
        assert_eq!(
            refused(class("nvidia\nkind: Pod")),
            "`nvidia\nkind: Pod` is not a valid RuntimeClass name"
        );
        let memory = |value: &str| JobOptions {
            memory: value.to_owned(),
            ..JobOptions::default()
        };
        assert_eq!(
            refused(memory("8 GB")),
            "`8 GB` is not a valid memory quantity"
        );
        assert_eq!(refused(memory("Gi")), "`Gi` is not a valid memory quantity");
        for ok in ["8Gi", "1.5G", "512Mi", "2"] {
            memory(ok).check().unwrap();
        }
    }
}
