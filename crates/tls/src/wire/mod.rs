//! The wire format: codec, IANA registries, messages, extensions, deframer.
