//! A Kubernetes Job that runs the image's harness on a GPU node: for teams that verify images
//! on a fleet of GPU runners (`kubectl apply -f job.yaml`, then `kubectl logs job/NAME`).

use crate::container::IMAGE_HARNESS;

/// The Job's name for `image`: `megapak-verify-<repository>-<tag>`, as DNS-1123 allows (lower
/// case, digits and `-`, at most 63 characters).
pub fn job_name(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let mut name = String::from("megapak-verify-");
    for c in last.chars() {
        let c = c.to_ascii_lowercase();
        name.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    let mut name: String = name
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    name.truncate(63);
    name.trim_end_matches('-').to_owned()
}

/// The Job as YAML. One GPU (`nvidia.com/gpu: 1`), no retries, the report on the pod's log.
pub fn job(image: &str, harness_args: &[String]) -> String {
    let name = job_name(image);
    let command = std::iter::once(IMAGE_HARNESS.to_owned())
        .chain(harness_args.iter().cloned())
        .map(|a| json_string(&a))
        .collect::<Vec<_>>()
        .join(", ");
    let image = json_string(image);
    format!(
        "\
# Runs megapak's GPU harness in the image on one GPU; the JSON report is the pod's log.
#   kubectl apply -f THIS_FILE && kubectl wait --for=condition=complete --timeout=10m job/{name}
#   kubectl logs job/{name}
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: megapak-verify
    app.kubernetes.io/managed-by: megapak
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 900
  ttlSecondsAfterFinished: 86400
  template:
    metadata:
      labels:
        app.kubernetes.io/name: megapak-verify
    spec:
      restartPolicy: Never
      containers:
        - name: harness
          image: {image}
          command: [{command}]
          resources:
            limits:
              nvidia.com/gpu: 1
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

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(
            job_name("ghcr.io/acme/ComfyUI_megapak:2025.11"),
            "megapak-verify-comfyui-megapak-2025-11"
        );
        assert_eq!(
            job_name("registry:5000/x/img@sha256:abc"),
            "megapak-verify-img"
        );
        let long = job_name(&format!("img:{}", "t".repeat(80)));
        assert!(long.len() <= 63 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn the_job_asks_for_one_gpu() {
        insta::assert_snapshot!(job(
            "ghcr.io/acme/comfyui-megapak:2025.11",
            &crate::smoke_args()
        ));
    }
}
