//! The local certificate authority behind `padlock ca`.
