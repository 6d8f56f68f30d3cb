//! megapak-image's integration tests: loading an image through a fake `docker`.

mod load;
